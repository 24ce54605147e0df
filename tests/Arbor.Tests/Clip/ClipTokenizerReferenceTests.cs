using System.IO.Compression;
using System.Text.Json;
using Arbor.Models.Clip;

namespace Arbor.Tests.Clip;

/// <summary>
/// The tokenizer against OpenAI's own <c>clip.tokenize(texts, truncate=True)</c> (with ftfy 6.3.1) on the real 49,408-token
/// vocabulary: tests/fixtures/clip-tokenizer holds the Hugging Face vocab.json/merges.txt built from OpenAI's BPE file and
/// ~11,000 texts of every kind that trips a tokenizer (curly quotes, mojibake, NFC, ligatures, widths, controls, BOM,
/// Python lower-casing, html.unescape, non-BMP letters and digits, 'ſ, long texts, prompts, class names) with the reference
/// ids; make.py there regenerates them.
/// </summary>
public class ClipTokenizerReferenceTests
{
    static readonly Lazy<ClipTokenizer> Real = new(() =>
    {
        using var dir = TestPaths.NewTempFolder();
        WriteVocabulary(dir.Path);
        return ClipTokenizer.Load(dir.Path, contextLength: 77, padId: ClipTokenizer.OpenAiPadId);
    });

    /// <summary>Writes the real vocab.json and merges.txt into <paramref name="dir"/>.</summary>
    internal static void WriteVocabulary(string dir)
    {
        foreach (var name in new[] { "vocab.json", "merges.txt" })
        {
            using var source = new GZipStream(File.OpenRead(TestPaths.Fixture("clip-tokenizer", name + ".gz")), CompressionMode.Decompress);
            using var target = File.Create(Path.Combine(dir, name));
            source.CopyTo(target);
        }
    }

    /// <summary>The corpus: each text and its reference ids up to and including EOS.</summary>
    public static IEnumerable<(string Text, int[] Ids)> Corpus()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(TestPaths.Fixture("clip-tokenizer", "corpus.jsonl.gz")), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var ids = root.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            // Texts with lone surrogates are stored as UTF-16 code units (JSON readers reject them in strings).
            var text = root.TryGetProperty("text", out var t) ? t.GetString()!
                : new string(root.GetProperty("utf16").EnumerateArray().Select(u => (char)u.GetInt32()).ToArray());
            yield return (text, ids);
        }
    }

    [Fact]
    public void EveryCorpusTextGetsOpenAisIds()
    {
        var tokenizer = Real.Value;
        Assert.Equal(49408, tokenizer.VocabSize);
        int total = 0;
        var mismatches = new List<string>();
        foreach (var (text, expected) in Corpus())
        {
            total++;
            var actual = tokenizer.Tokenize(text);
            var padded = expected.Concat(Enumerable.Repeat(0, 77 - expected.Length)).Select(i => (long)i).ToArray();
            if (!actual.SequenceEqual(padded))
                mismatches.Add($"{JsonSerializer.Serialize(text)} → cleaned {JsonSerializer.Serialize(ClipTokenizer.Clean(text))}: " +
                               $"expected [{string.Join(",", expected)}], got [{string.Join(",", actual.TakeWhile((_, i) => i == 0 || actual[i - 1] != tokenizer.EndOfTextId))}]");
        }
        Assert.True(total > 10_000, $"corpus has only {total} texts");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {total} texts differ:\n" + string.Join("\n", mismatches.Take(25)));
    }

    [Fact]
    public void CleansTheCasesTheIssueNames()
    {
        Assert.Equal("the website's photo", ClipTokenizer.Clean("the website’s photo"));
        Assert.Equal("café", ClipTokenizer.Clean("cafÃ©"));
        Assert.Equal("fish", ClipTokenizer.Clean("ﬁsh"));
        Assert.Equal("abc 123", ClipTokenizer.Clean("ＡＢＣ　１２３"));
        Assert.Equal("i̇stanbul", ClipTokenizer.Clean("İstanbul"));
        Assert.Equal("σας σ", ClipTokenizer.Clean("ΣΑΣ Σ"));
        Assert.Equal("& © ©2024 <", ClipTokenizer.Clean("&amp &copy; &copy2024 &LT"));
        Assert.Equal("– \ufffd", ClipTokenizer.Clean("&#150; &#0;"));
        Assert.Equal("a photo", ClipTokenizer.Clean("\ufeffA\u0000 photo"));
    }

    [Fact]
    public void PaddingIdAndContextLengthComeFromLoad()
    {
        var openai = Real.Value;
        var hf = openai.WithPadId(openai.EndOfTextId);
        var a = openai.Tokenize("a dog");
        var b = hf.Tokenize("a dog");
        Assert.Equal(0, a[^1]);
        Assert.Equal(openai.EndOfTextId, b[^1]);
        Assert.Equal(a.TakeWhile(id => id != openai.EndOfTextId), b.TakeWhile(id => id != openai.EndOfTextId));
        using var dir = TestPaths.NewTempFolder();
        WriteVocabulary(dir.Path);
        Assert.Contains("padding id -1", Assert.Throws<ArborException>(() => ClipTokenizer.Load(dir.Path, padId: -1)).Message);
        var short16 = ClipTokenizer.Load(dir.Path, contextLength: 16);
        Assert.Equal(16, short16.ContextLength);
        Assert.Equal(short16.EndOfTextId, short16.PadId);
        Assert.Equal(short16.EndOfTextId, short16.Tokenize(string.Join(" ", Enumerable.Repeat("dog", 40)))[^1]);
    }
}
