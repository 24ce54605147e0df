using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Methods.Prompting;
using Arbor.Models.Clip;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>
/// HGCLIP on a frozen CLIP, and with parts switched off its baselines (CoOp, VPT, IVLP, plain CLIP): the prompt learners
/// of the parts that are on, the <see cref="HgclipHead"/> (graph encoders when on) and, when the visual graph is on, the
/// image prototypes. The module's state — what a checkpoint holds — is exactly that: prompts, graph encoders and the
/// <c>prototypes</c> buffer. CLIP is held outside the module tree (never in the state dict, never trained, always in
/// eval mode) and reloaded from its own folder.
/// </summary>
public sealed class HgclipModel : nn.Module, IHierarchicalModel
{
#pragma warning disable IDE1006 // state-dict names
    readonly TextPromptLearner? text_prompt;
    readonly VisualPromptLearner? visual_prompt;
    readonly HgclipHead head;
    readonly Tensor? prototypes;
#pragma warning restore IDE1006
    FrozenClip _frozen;

    /// <summary>The frozen CLIP and the tensors derived from it once; kept out of the module's fields on purpose.</summary>
    sealed class FrozenClip(ClipModel clip, Tensor nodeTokens, Tensor? fixedText) : IDisposable
    {
        public ClipModel Clip { get; } = clip;
        public Tensor NodeTokens { get; } = nodeTokens;     // [N, L'] prompts of every node (placeholders when prompted)
        public Tensor? FixedText { get; } = fixedText;      // [N, P] frozen text features when the text prompt is off

        /// <summary>CLIP moved in place; the derived tensors replaced by copies on the device (the old ones disposed).</summary>
        public FrozenClip MoveTo(Device device)
        {
            Clip.to(device);
            var moved = new FrozenClip(Clip, NodeTokens.to(device).DetachFromDisposeScope(), FixedText?.to(device).DetachFromDisposeScope());
            NodeTokens.Dispose();
            FixedText?.Dispose();
            return moved;
        }

        public void Dispose()
        {
            Clip.Dispose();
            NodeTokens.Dispose();
            FixedText?.Dispose();
        }
    }

    /// <summary>The hierarchy whose every node is scored.</summary>
    public ClassHierarchy Hierarchy { get; }

    /// <summary>The settings the model was built with.</summary>
    public HgclipModelOptions Options { get; }

    /// <summary>The frozen CLIP (not part of the module's state).</summary>
    public ClipModel Clip => _frozen.Clip;

    /// <summary>The head (graph encoders, prototype attention, per-level slicing).</summary>
    public HgclipHead Head => head;

    /// <summary>The text context learner, or null when the text prompt is off.</summary>
    public TextPromptLearner? TextPrompt => text_prompt;

    /// <summary>The visual prompt learner, or null when the visual prompt is off.</summary>
    public VisualPromptLearner? VisualPrompt => visual_prompt;

    /// <summary>True when the head needs image prototypes (the visual graph is on).</summary>
    public bool NeedsPrototypes => prototypes is not null;

    /// <summary>The prototypes buffer [N, P] (zeros until <see cref="SetPrototypes"/> or a checkpoint fills it), or null.</summary>
    public Tensor? Prototypes => prototypes;

    /// <summary>Token ids of every node's prompt, [N, L'] (for benchmarks and tests).</summary>
    public Tensor NodeTokens => _frozen.NodeTokens;

    /// <summary>
    /// Builds the model on <paramref name="clip"/>, which it freezes and from then on owns (disposes).
    /// </summary>
    public HgclipModel(ClipModel clip, ClipTokenizer tokenizer, ClassHierarchy hierarchy, HgclipModelOptions? options = null)
        : base("hgclip")
    {
        Options = options ?? new HgclipModelOptions();
        Hierarchy = hierarchy;
        clip.Freeze();
        clip.eval();
        var parts = Options.Parts;
        int n = hierarchy.Nodes.Count, p = clip.Config.ProjectionDim;

        Tensor nodeTokens;
        Tensor? fixedText = null;
        if (parts.HasFlag(HgclipParts.TextPrompt))
        {
            text_prompt = new TextPromptLearner(clip, tokenizer, Options.TextPrompt);
            nodeTokens = ClassPrompts.ContextTokens(tokenizer, hierarchy, Options.TextPrompt);
        }
        else
        {
            nodeTokens = ClassPrompts.Tokens(tokenizer, ClassPrompts.TemplateTexts(hierarchy, Options.FrozenTemplate));
            using (no_grad()) fixedText = clip.EncodeText(nodeTokens);
            fixedText.DetachFromDisposeScope();
        }
        nodeTokens.DetachFromDisposeScope();
        if (parts.HasFlag(HgclipParts.VisualPrompt)) visual_prompt = new VisualPromptLearner(clip, Options.VisualPrompt);

        using (var adjacency = new LabelGraph(hierarchy).Adjacency(multiplicity: Options.EdgeMultiplicity))
            head = new HgclipHead(hierarchy, adjacency, p, Options.ResolvedHead);
        if (head.ImageGraph is not null)
        {
            prototypes = zeros(n, p);
            prototypes.DetachFromDisposeScope();
        }
        _frozen = new FrozenClip(clip, nodeTokens, fixedText);
        RegisterComponents();
    }

    nn.Module IHierarchicalModel.Module => this;

    /// <summary>CLIP's device: the model's, even when no part trains.</summary>
    public Device Device => Clip.LogitScale.device;

    /// <summary>Moves the trainable parts, the prototypes, the frozen CLIP and its token and text tables.</summary>
    public void MoveTo(Device device)
    {
        this.to(device);
        _frozen = _frozen.MoveTo(device);
    }

    /// <summary>The parameters training updates: prompts and graph encoders (CLIP is not part of the module).</summary>
    public IReadOnlyList<Parameter> TrainableParameters => parameters().Where(q => q.requires_grad).ToArray();

    /// <summary>Copies computed prototypes [N, P] into the model's buffer.</summary>
    public void SetPrototypes(Tensor values) => PrototypeBuffer.Fill(prototypes, values);

    /// <summary>Text features of every node [N, P]: prompted (one batched text-tower pass), or the frozen ones.</summary>
    public Tensor NodeTextFeatures() =>
        text_prompt is null ? _frozen.FixedText!.alias() : Clip.EncodeText(_frozen.NodeTokens, text_prompt.Prompts());

    /// <summary>The (prompted) vision tower: global features [B, P] and, when the visual graph needs them, token features.</summary>
    public ClipVisionOutput ImageFeatures(Tensor images)
    {
        var prompts = visual_prompt?.Prompts();
        return head.ImageGraph is null
            ? new ClipVisionOutput(Clip.EncodeImage(images, prompts), empty(0, device: images.device))
            : Clip.EncodeImageWithTokens(images, prompts);
    }

    /// <summary>Per-level logits [B, classes_at_level] for preprocessed images [B, 3, S, S], coarse → fine.</summary>
    public Tensor[] LevelLogits(Tensor images)
    {
        using var scope = NewDisposeScope();
        var text = NodeTextFeatures();
        var vision = ImageFeatures(images);
        var logits = head.Forward(text, prototypes, vision.Embeds, head.ImageGraph is null ? null : vision.Tokens, Clip.LogitScale);
        return logits.Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _frozen.Dispose();
        base.Dispose(disposing);
    }
}
