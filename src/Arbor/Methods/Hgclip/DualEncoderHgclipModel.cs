using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Models.Encoders;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>
/// HGCLIP and its baselines on a dual encoder made of any image tower and any text tower from the
/// <see cref="EncoderRegistry"/> (e.g. <c>resnet18-imagenet</c> + <c>minilm</c>): learned linear projections bring both to
/// a shared width, a learned temperature scales the cosine logits, and the <see cref="HgclipHead"/> (text graph, prototype
/// graph, prototype attention over the tower's spatial tokens) works there exactly as on CLIP. The text prompt is CoOp's
/// shallow context at the text tower's input embeddings. With no parts on, only the projections and the temperature
/// train: nearest-text classification (the towers were never aligned, so text matching needs them).
/// The module's state is what trains: projections, temperature, context, graph encoders, the image prototypes
/// (in the image tower's space, projected on the fly) and, when fine-tuned, the image tower itself.
/// </summary>
public sealed class DualEncoderHgclipModel : nn.Module, IHierarchicalModel
{
    /// <summary>Width of the shared space the towers are projected to.</summary>
    public const int SharedWidth = 256;

#pragma warning disable IDE1006 // state-dict names
    readonly Linear image_projection, text_projection;
    readonly Parameter logit_scale;
    readonly Parameter? text_ctx;
    readonly HgclipHead head;
    readonly Tensor? prototypes;
    readonly nn.Module? image_tower;
#pragma warning restore IDE1006
    readonly Towers _towers;

    /// <summary>The towers and the tensors derived from them once; outside the module's fields on purpose.</summary>
    sealed class Towers(IImageEncoder image, ITextEncoder text, TextBatch nodeTexts, Tensor? fixedText) : IDisposable
    {
        public IImageEncoder Image { get; } = image;
        public ITextEncoder Text { get; } = text;
        public TextBatch NodeTexts { get; } = nodeTexts;   // every node's prompt (with context placeholders when prompted)
        public Tensor? FixedText { get; } = fixedText;     // [N, text width] frozen text features when the prompt is off
        public FrozenEncodingCache? Cache { get; set; }
        public void Dispose()
        {
            Image.Dispose();
            Text.Dispose();
            NodeTexts.Dispose();
            FixedText?.Dispose();
        }
    }

    public ClassHierarchy Hierarchy { get; }
    public HgclipModelOptions Options { get; }
    public HgclipHead Head => head;
    public IImageEncoder ImageEncoder => _towers.Image;
    public ITextEncoder TextEncoder => _towers.Text;
    /// <summary>True when the image tower trains with the rest (else it is frozen and its encodings may be cached).</summary>
    public bool FineTunesImageTower => image_tower is not null;
    public bool NeedsPrototypes => prototypes is not null;
    /// <summary>True when the head reads the image tower's spatial tokens (the visual graph is on).</summary>
    public bool NeedsTokens => head.ImageGraph is not null;

    /// <summary>Builds the model on the towers, which it from then on owns (disposes).</summary>
    public DualEncoderHgclipModel(IImageEncoder image, ITextEncoder text, ClassHierarchy hierarchy, HgclipModelOptions? options = null,
        bool fineTuneImage = false) : base("dual_hgclip")
    {
        Options = options ?? new HgclipModelOptions();
        Hierarchy = hierarchy;
        var parts = Options.Parts;
        if (parts.HasFlag(HgclipParts.VisualPrompt))
            throw new ArborException($"the visual prompt needs a transformer image tower with prompt tokens; '{image.Name}' is a CNN: " +
                                     "leave visual-prompt out of --parts (text-prompt,text-graph,visual-graph)");
        text.Module.eval();
        foreach (var p in text.Module.parameters()) p.requires_grad = false;
        if (fineTuneImage) image_tower = image.Module;
        else
        {
            image.Module.eval();
            foreach (var p in image.Module.parameters()) p.requires_grad = false;
        }

        image_projection = nn.Linear(image.Width, SharedWidth, hasBias: false);
        text_projection = nn.Linear(text.Width, SharedWidth, hasBias: false);
        logit_scale = new Parameter(tensor(MathF.Log(1 / 0.07f)), requires_grad: true);

        var names = hierarchy.Nodes.Select(n => n.Name).ToArray();
        TextBatch nodeTexts;
        Tensor? fixedText = null;
        if (parts.HasFlag(HgclipParts.TextPrompt))
        {
            int n = Options.TextPrompt.ContextTokens;
            nodeTexts = text.Tokenize(names.Select(name => $"{name}.").ToArray(), n);
            using (no_grad())
            {
                using var words = text.WordEmbeddings(Options.TextPrompt.TextInit);
                var init = words.shape[0] == n ? words.detach().clone() : randn(n, text.EmbeddingWidth) * Options.TextPrompt.InitStd;
                text_ctx = new Parameter(init, requires_grad: true);
            }
        }
        else
        {
            nodeTexts = text.Tokenize(names.Select(name => Options.FrozenTemplate.Replace("{name}", name)).ToArray());
            using (no_grad()) fixedText = text.Encode(nodeTexts);
        }

        using (var adjacency = new LabelGraph(hierarchy).Adjacency())
            head = new HgclipHead(hierarchy, adjacency, SharedWidth, Options.ResolvedHead);
        if (head.ImageGraph is not null) prototypes = zeros(hierarchy.Nodes.Count, image.Width);
        _towers = new Towers(image, text, nodeTexts, fixedText);
        RegisterComponents();
    }

    nn.Module IHierarchicalModel.Module => this;

    /// <summary>The parameters training updates.</summary>
    public IReadOnlyList<Parameter> TrainableParameters => parameters().Where(q => q.requires_grad).ToArray();

    /// <summary>Keeps the frozen image tower's encodings in <paramref name="cache"/> (ignored when the tower is fine-tuned).</summary>
    public void UseCache(FrozenEncodingCache cache) => _towers.Cache = cache;

    /// <summary>Copies prototypes [N, image width] (frozen tower features averaged per node) into the model's buffer.</summary>
    public void SetPrototypes(Tensor values) => PrototypeBuffer.Fill(prototypes, values);

    /// <summary>The image tower's features and (when the head needs them) tokens, from the cache when the tower is frozen.</summary>
    public ImageEncoding Encode(Tensor images)
    {
        var image = _towers.Image;
        if (FineTunesImageTower || _towers.Cache is null) return image.Encode(images, NeedsTokens);
        using var _ = no_grad();
        return _towers.Cache.GetOrCompute(images, NeedsTokens, x => image.Encode(x, withTokens: true));
    }

    /// <summary>Projected text features of every node [N, shared width].</summary>
    public Tensor NodeTextFeatures()
    {
        using var scope = NewDisposeScope();
        var raw = text_ctx is null ? _towers.FixedText!.alias() : _towers.Text.Encode(_towers.NodeTexts, text_ctx);
        return text_projection.forward(raw).MoveToOuterDisposeScope();
    }

    /// <summary>Per-level logits from tower outputs: features [B, W] and tokens [B, T, W] (or null without the visual graph).</summary>
    public Tensor[] LevelLogits(Tensor features, Tensor? tokens)
    {
        using var scope = NewDisposeScope();
        var device = image_projection.weight!.device;
        var text = NodeTextFeatures();
        var f = image_projection.forward(features.to(device));
        Tensor? tok = null, protos = null;
        if (head.ImageGraph is not null)
        {
            tok = image_projection.forward((tokens ?? throw new ArgumentException("the visual graph needs the image tokens")).to(device));
            protos = image_projection.forward(prototypes!);
        }
        return head.Forward(text, protos, f, tok, logit_scale).Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Per-level logits [B, classes_at_level] for preprocessed images, coarse → fine.</summary>
    public Tensor[] LevelLogits(Tensor images)
    {
        using var scope = NewDisposeScope();
        var encoded = Encode(images);
        return LevelLogits(encoded.Features, encoded.Tokens).Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _towers.Dispose();
        base.Dispose(disposing);
    }
}
