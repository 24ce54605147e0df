using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Arbor.Models.Clip.Text;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer read from <c>vocab.json</c> and <c>merges.txt</c>, giving the ids of OpenAI's
/// <c>clip.tokenize(texts, truncate=True)</c> on any Unicode text. Text is cleaned exactly as OpenAI's
/// <c>simple_tokenizer</c> does — ftfy's <c>fix_text</c> (<see cref="Text.FtfyTextFixer"/>: mojibake, NFC, ligatures,
/// widths, quotes, controls), Python's <c>html.unescape</c> twice, white space collapsed and stripped, Python's
/// <c>str.lower()</c> — split by CLIP's pattern on code points (<see cref="Text.ClipPreTokenizer"/>), mapped byte →
/// printable character, and merged by BPE with <c>&lt;/w&gt;</c> ending each word. Sequences are
/// <c>&lt;|startoftext|&gt;</c> … <c>&lt;|endoftext|&gt;</c>, truncated so EOS stays last, and padded with
/// <see cref="PadId"/> (EOS by default as Hugging Face pads; OpenAI pads with 0 — the model's outputs do not depend on
/// it: causal attention and pooling at EOS never see what follows EOS).
/// </summary>
public sealed class ClipTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    /// <summary>The padding id of OpenAI's <c>clip.tokenize</c> (its sequences are zero-filled after EOS).</summary>
    public const int OpenAiPadId = 0;

    static readonly char[] ByteToChar = BuildByteToChar();

    readonly Dictionary<string, int> _vocab;
    readonly Dictionary<(string, string), int> _mergeRanks;
    readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    readonly string _source;

    /// <summary>Number of positions every sequence is padded or truncated to (the model's <c>max_position_embeddings</c>).</summary>
    public int ContextLength { get; }

    /// <summary>Id of <c>&lt;|startoftext|&gt;</c>.</summary>
    public int StartOfTextId { get; }

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c>.</summary>
    public int EndOfTextId { get; }

    /// <summary>Id written after EOS up to <see cref="ContextLength"/>; defaults to <see cref="EndOfTextId"/>.</summary>
    public int PadId { get; init; }

    /// <summary>Size of the vocabulary.</summary>
    public int VocabSize => _vocab.Count;

    /// <summary>
    /// A tokenizer from a vocabulary (token → id) and merges in rank order. <paramref name="source"/> names the files in errors.
    /// </summary>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocab, IEnumerable<(string Left, string Right)> merges, int contextLength = 77,
        string source = "tokenizer")
    {
        if (contextLength < 2) throw new ArgumentOutOfRangeException(nameof(contextLength), "a context holds at least BOS and EOS");
        _source = source;
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _mergeRanks = new Dictionary<(string, string), int>();
        int rank = 0;
        foreach (var pair in merges) _mergeRanks.TryAdd(pair, rank++);
        ContextLength = contextLength;
        StartOfTextId = _vocab.TryGetValue(StartOfText, out var sot) ? sot
            : throw new ArborException($"vocabulary has no {StartOfText} token", source);
        EndOfTextId = _vocab.TryGetValue(EndOfText, out var eot) ? eot
            : throw new ArborException($"vocabulary has no {EndOfText} token", source);
        PadId = EndOfTextId;
        _cache[StartOfText] = [StartOfTextId];
        _cache[EndOfText] = [EndOfTextId];
    }

    /// <summary>
    /// Loads <c>vocab.json</c> and <c>merges.txt</c> from a Hugging Face CLIP folder. The context length is
    /// <paramref name="contextLength"/>, else <c>config.json</c>'s text <c>max_position_embeddings</c>, else 77; the
    /// padding id is <paramref name="padId"/> (e.g. <see cref="OpenAiPadId"/>), else EOS.
    /// </summary>
    public static ClipTokenizer Load(string dir, int? contextLength = null, int? padId = null)
    {
        if (!Directory.Exists(dir)) throw new ArborException("CLIP folder not found", dir);
        var missing = new[] { "vocab.json", "merges.txt" }.Where(f => !File.Exists(Path.Combine(dir, f))).ToList();
        if (missing.Count > 0) throw new ArborException($"tokenizer files missing: {string.Join(", ", missing)}", dir);
        int context = 77;
        int? vocabSize = null;
        var configPath = Path.Combine(dir, "config.json");
        if (File.Exists(configPath))
        {
            var text = ClipConfig.Load(configPath).Text;
            context = text.MaxPositionEmbeddings;
            vocabSize = text.VocabSize;
        }
        if (contextLength is int chosen) context = chosen;
        if (context < 2)
            throw new ArborException(contextLength is null ? $"max_position_embeddings {context} cannot hold BOS and EOS"
                : $"context length {context} cannot hold BOS and EOS", contextLength is null ? configPath : dir);
        var tokenizer = FromFiles(Path.Combine(dir, "vocab.json"), Path.Combine(dir, "merges.txt"), context, vocabSize);
        if (padId is int pad)
        {
            if (pad < 0 || pad >= tokenizer.VocabSize)
                throw new ArborException($"padding id {pad} is outside the vocabulary (0..{tokenizer.VocabSize - 1})", dir);
            tokenizer = tokenizer.WithPadId(pad);
        }
        return tokenizer;
    }

    ClipTokenizer(ClipTokenizer other, int padId)
    {
        _vocab = other._vocab;
        _mergeRanks = other._mergeRanks;
        _cache = other._cache;
        _source = other._source;
        ContextLength = other.ContextLength;
        StartOfTextId = other.StartOfTextId;
        EndOfTextId = other.EndOfTextId;
        PadId = padId;
    }

    /// <summary>The same tokenizer (shared vocabulary and cache) padding with <paramref name="padId"/>.</summary>
    public ClipTokenizer WithPadId(int padId) => new(this, padId);

    /// <summary>
    /// Loads a vocabulary (<c>{"token": id, …}</c>) and a merges file (one "left right" pair per line, rank order). Both
    /// must be strict UTF-8 within <see cref="IO.InputLimits.TokenizerFileBytes"/>; the vocabulary must be an object of
    /// distinct tokens with distinct integer ids in 0..<paramref name="vocabSize"/>−1 (the model's embedding rows, when known).
    /// </summary>
    public static ClipTokenizer FromFiles(string vocabPath, string mergesPath, int contextLength = 77, int? vocabSize = null)
    {
        var vocab = ReadVocabulary(vocabPath, vocabSize);
        var merges = new List<(string, string)>();
        int lineNumber = 0;
        var text = IO.TextInput.ReadFile(mergesPath, IO.InputLimits.TokenizerFileBytes, "merges file");
        using var reader = new StringReader(text);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Length == 0) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new ArborException($"line {lineNumber}: expected two symbols separated by one space, found '{Shorten(line)}'", mergesPath);
            merges.Add((parts[0], parts[1]));
        }
        return new ClipTokenizer(vocab, merges, contextLength, vocabPath);
    }

    static Dictionary<string, int> ReadVocabulary(string vocabPath, int? vocabSize)
    {
        using var document = IO.JsonInput.ReadFile(vocabPath, IO.InputLimits.TokenizerFileBytes, "vocabulary");
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new ArborException($"vocabulary must be a JSON object of token → id, found {root.ValueKind}", vocabPath);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokenOf = new Dictionary<int, string>();
        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw new ArborException($"token '{Shorten(entry.Name)}' has id {Shorten(entry.Value.GetRawText())}; ids are non-negative integers", vocabPath);
            if (vocabSize is int size && id >= size)
                throw new ArborException($"token '{Shorten(entry.Name)}' has id {id}, but the model has only {size} token embeddings (config.json vocab_size)", vocabPath);
            if (entry.Name.Length == 0) throw new ArborException($"an empty token has id {id}", vocabPath);
            if (!tokenOf.TryAdd(id, entry.Name))
                throw new ArborException($"tokens '{Shorten(tokenOf[id])}' and '{Shorten(entry.Name)}' share id {id}", vocabPath);
            vocab[entry.Name] = id;
        }
        if (vocab.Count == 0) throw new ArborException("vocabulary is empty", vocabPath);
        return vocab;
    }

    static string Shorten(string s) => s.Length > 60 ? s[..60] + "…" : s;

    /// <summary>
    /// CLIP's text cleaning, as OpenAI's <c>simple_tokenizer</c>: <c>ftfy.fix_text</c>, <c>html.unescape</c> twice,
    /// white space collapsed to single spaces and stripped (Python's notion of white space), then <c>str.lower()</c>.
    /// </summary>
    public static string Clean(string text)
    {
        if (FtfyTextFixer.IsPlain(text)) return PythonText.Lower(PythonText.CollapseWhitespace(text));
        var fixedText = FtfyTextFixer.FixText(text);
        var unescaped = PythonText.HtmlUnescape(PythonText.HtmlUnescape(fixedText));
        return PythonText.Lower(PythonText.CollapseWhitespace(unescaped));
    }

    /// <summary>The BPE token ids of <paramref name="text"/>, without BOS/EOS, padding or truncation.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>();
        foreach (var pretoken in ClipPreTokenizer.Split(Clean(text)))
            ids.AddRange(_cache.GetOrAdd(pretoken, Bpe));
        return ids.ToArray();
    }

    /// <summary>BOS, the tokens of <paramref name="text"/>, EOS, then padding: exactly <see cref="ContextLength"/> ids.
    /// A text too long is cut so EOS stays last.</summary>
    public long[] Tokenize(string text)
    {
        var tokens = Encode(text);
        var ids = new long[ContextLength];
        Array.Fill(ids, PadId);
        ids[0] = StartOfTextId;
        int kept = Math.Min(tokens.Length, ContextLength - 2);
        for (int i = 0; i < kept; i++) ids[1 + i] = tokens[i];
        ids[1 + kept] = EndOfTextId;
        return ids;
    }

    /// <summary>Tokenizes every text into one int64 tensor [texts, <see cref="ContextLength"/>].</summary>
    public Tensor Tokenize(IReadOnlyList<string> texts)
    {
        var flat = new long[texts.Count * ContextLength];
        for (int i = 0; i < texts.Count; i++) Tokenize(texts[i]).CopyTo(flat, i * ContextLength);
        return tensor(flat, [texts.Count, ContextLength]);
    }

    /// <summary>Byte-pair encodes one pre-token (its UTF-8 bytes mapped to printable characters).</summary>
    int[] Bpe(string pretoken)
    {
        var bytes = Encoding.UTF8.GetBytes(pretoken);
        var word = new List<string>(bytes.Length);
        foreach (var b in bytes) word.Add(ByteToChar[b].ToString());
        word[^1] += "</w>";
        while (word.Count > 1)
        {
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int i = 0; i + 1 < word.Count; i++)
                if (_mergeRanks.TryGetValue((word[i], word[i + 1]), out int r) && r < bestRank)
                {
                    bestRank = r;
                    best = (word[i], word[i + 1]);
                }
            if (bestRank == int.MaxValue) break;
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == best.Item1 && word[i + 1] == best.Item2)
                {
                    merged.Add(best.Item1 + best.Item2);
                    i++;
                }
                else merged.Add(word[i]);
            }
            word = merged;
        }
        var ids = new int[word.Count];
        for (int i = 0; i < word.Count; i++)
            ids[i] = _vocab.TryGetValue(word[i], out var id) ? id
                : throw new ArborException($"BPE symbol '{word[i]}' (from '{pretoken}') is not in the vocabulary", _source);
        return ids;
    }

    /// <summary>
    /// GPT-2/CLIP's reversible byte → character map: printable Latin-1 bytes map to themselves, the other 68 bytes to
    /// U+0100 onwards in byte order, so every byte is a visible character that BPE can merge.
    /// </summary>
    static char[] BuildByteToChar()
    {
        var map = new char[256];
        var printable = new bool[256];
        foreach (var (lo, hi) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
            for (int c = lo; c <= hi; c++) printable[c] = true;
        int next = 0;
        for (int b = 0; b < 256; b++)
            map[b] = printable[b] ? (char)b : (char)(256 + next++);
        return map;
    }
}
