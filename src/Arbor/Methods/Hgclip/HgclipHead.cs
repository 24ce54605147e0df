using Arbor.Hierarchy;
using Arbor.Models.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>
/// The HGCLIP head on top of the (prompted) CLIP towers: a text graph encoder over every node's text feature, an image
/// graph encoder over the image prototypes, prototype attention of the image tokens, and per-level logits
/// <code>
///   logits = exp(logit_scale) · f T̂ᵀ + λ₂ · 100 · pooled T̂ᵀ,   pooled = mean_tok(F̂) + max_tok(F̂),
///   F̂ = softmax(F_v P̂ᵀ / α) P̂   (softmax over nodes)
/// </code>
/// over all nodes in global order, sliced by the hierarchy's level offsets. All images of a batch at once.
/// The trainable parameters are the two graph encoders' (absent when their part is off).
/// </summary>
public sealed class HgclipHead : nn.Module
{
#pragma warning disable IDE1006 // state-dict names
    readonly GraphEncoder? text_graph;
    readonly GraphEncoder? image_graph;
#pragma warning restore IDE1006
    readonly GraphNeighbours _graph;
    readonly int[] _levelOffsets;
    readonly int[] _levelSizes;

    /// <summary>The settings this head was built with.</summary>
    public HgclipHeadOptions Options { get; }

    /// <summary>Feature size P (the CLIP projection size).</summary>
    public int EmbedDim { get; }

    /// <summary>The text graph encoder, or null when the text graph is off.</summary>
    public GraphEncoder? TextGraph => text_graph;

    /// <summary>The image (prototype) graph encoder, or null when the visual graph is off.</summary>
    public GraphEncoder? ImageGraph => image_graph;

    /// <summary>The label graph's incoming edges, as the encoders use them.</summary>
    public GraphNeighbours Graph => _graph;

    /// <summary>Number of nodes N.</summary>
    public int NodeCount => _graph.NodeCount;

    /// <param name="hierarchy">The class tree (node order and level slices).</param>
    /// <param name="adjacency">Label graph [N, N] with <c>adj[dst, src] = 1</c> (each node: its parent and itself).</param>
    /// <param name="embedDim">CLIP projection size P.</param>
    /// <param name="options">Switches and constants; defaults as in the paper.</param>
    public HgclipHead(ClassHierarchy hierarchy, Tensor adjacency, int embedDim, HgclipHeadOptions? options = null)
        : base("hgclip_head")
    {
        Options = options ?? new HgclipHeadOptions();
        EmbedDim = embedDim;
        int n = hierarchy.Nodes.Count;
        if (adjacency.dim() != 2 || adjacency.shape[0] != n || adjacency.shape[1] != n)
            throw new ArgumentException($"adjacency must be [{n}, {n}] for hierarchy '{hierarchy.Name}', got [{string.Join(", ", adjacency.shape)}]");
        _graph = new GraphNeighbours(adjacency);
        _levelOffsets = Enumerable.Range(1, hierarchy.Depth).Select(hierarchy.LevelOffset).ToArray();
        _levelSizes = hierarchy.ClassCounts;
        if (Options.TextGraph) text_graph = new GraphEncoder(embedDim, Options.GraphHeads, Options.GraphInitHeads, "text_graph");
        if (Options.VisualGraph) image_graph = new GraphEncoder(embedDim, Options.GraphHeads, Options.GraphInitHeads, "image_graph");
        RegisterComponents();
    }

    /// <summary>
    /// Per-level logits, one <c>[B, classes_at_level]</c> per level, coarse → fine.
    /// </summary>
    /// <param name="textFeatures">Prompted CLIP text features of every node, [N, P].</param>
    /// <param name="prototypes">Image prototypes [N, P] (see <see cref="PrototypeBank"/>); unused when the visual graph is off.</param>
    /// <param name="imageFeatures">Global image features f, [B, P].</param>
    /// <param name="imageTokens">Token features F_v after post-layernorm and projection, [B, Tok, P]; unused when the visual graph is off.</param>
    /// <param name="logitScale">CLIP's learned log scale (scalar); exp of it multiplies the global term.</param>
    public Tensor[] Forward(Tensor textFeatures, Tensor? prototypes, Tensor imageFeatures, Tensor? imageTokens, Tensor logitScale)
    {
        using var scope = torch.NewDisposeScope();
        var logits = NodeLogits(textFeatures, prototypes, imageFeatures, imageTokens, logitScale);
        return SplitLevels(logits).Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Logits over all nodes in global order, [B, N] (before the per-level slicing).</summary>
    public Tensor NodeLogits(Tensor textFeatures, Tensor? prototypes, Tensor imageFeatures, Tensor? imageTokens, Tensor logitScale)
    {
        CheckShape(textFeatures, "text features", NodeCount, EmbedDim);
        if (imageFeatures.dim() != 2 || imageFeatures.shape[1] != EmbedDim)
            throw new ArgumentException($"image features must be [B, {EmbedDim}], got [{string.Join(", ", imageFeatures.shape)}]");
        using var scope = torch.NewDisposeScope();
        bool cosine = Options.Normalization == HgclipNormalization.Cosine;

        var text = text_graph is null ? textFeatures : text_graph.forward(textFeatures, _graph);
        text = Normalize(text);                                                           // T̂ [N, P]

        // The reference normalises f only when there is no attention term; the cosine form always.
        var f = cosine || image_graph is null ? Normalize(imageFeatures) : imageFeatures;
        var logits = logitScale.exp() * f.matmul(text.t());                               // [B, N]

        if (image_graph is not null && Options.Lambda2 != 0)
        {
            if (prototypes is null || imageTokens is null)
                throw new ArgumentException("the visual graph needs the prototypes and the image token features");
            CheckShape(prototypes, "prototypes", NodeCount, EmbedDim);
            if (imageTokens.dim() != 3 || imageTokens.shape[0] != imageFeatures.shape[0] || imageTokens.shape[2] != EmbedDim)
                throw new ArgumentException(
                    $"image tokens must be [B={imageFeatures.shape[0]}, Tok, {EmbedDim}], got [{string.Join(", ", imageTokens.shape)}]");
            var pooled = AttentionPooled(image_graph.forward(prototypes, _graph), imageTokens, cosine);   // [B, P]
            logits = logits + Options.Lambda2 * Options.AttentionScale * pooled.matmul(text.t());
        }
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Prototype attention for a batch: A = softmax(F_v P̂ᵀ / α) over nodes, F̂ = A P̂, pooled = mean + max over tokens.
    /// In cosine mode F_v, P̂ and the pooled result are normalised.
    /// </summary>
    internal Tensor AttentionPooled(Tensor encodedPrototypes, Tensor imageTokens, bool cosine)
    {
        var protos = cosine ? Normalize(encodedPrototypes) : encodedPrototypes;            // P̂ [N, P]
        var tokens = cosine ? Normalize(imageTokens) : imageTokens;                        // F_v [B, Tok, P]
        var attention = (tokens.matmul(protos.t()) / Options.Alpha).softmax(-1);           // [B, Tok, N]
        var attended = attention.matmul(protos);                                           // F̂ [B, Tok, P]
        var pooled = attended.mean([1]) + attended.amax([1]);                              // [B, P]
        return cosine ? Normalize(pooled) : pooled;
    }

    /// <summary>Slices [B, N] node logits into one [B, classes_at_level] view per level.</summary>
    public Tensor[] SplitLevels(Tensor nodeLogits) =>
        _levelOffsets.Select((offset, l) => nodeLogits.narrow(1, offset, _levelSizes[l])).ToArray();

    static Tensor Normalize(Tensor x) => nn.functional.normalize(x, p: 2, dim: -1);

    static void CheckShape(Tensor t, string what, long rows, long cols)
    {
        if (t.dim() != 2 || t.shape[0] != rows || t.shape[1] != cols)
            throw new ArgumentException($"{what} must be [{rows}, {cols}], got [{string.Join(", ", t.shape)}]");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _graph.Dispose();
        base.Dispose(disposing);
    }
}
