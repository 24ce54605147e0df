using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Models.Clip;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting.Baselines;

/// <summary>What one forward pass of a prompt baseline yields: per-level logits and the unit features behind them.</summary>
/// <param name="Logits">Per level [B, classes at level], coarse → fine.</param>
/// <param name="Text">Unit text features of every node: [N, P], or [B, N, P] for CoCoOp (one set per image).</param>
/// <param name="Image">Unit image features [B, P] (prompted when the method prompts the vision tower).</param>
public sealed record PromptBaselineOutput(Tensor[] Logits, Tensor Text, Tensor Image);

/// <summary>
/// KgCoOp, CoCoOp, MaPLe and PromptSRC on a frozen CLIP, scoring every node of the hierarchy with exp(logit_scale)·cosine
/// and slicing the scores per level (as the CoOp/IVLP rows of <see cref="Hgclip.HgclipModel"/> do). The module's state —
/// what a checkpoint holds — is the method's own: the text context, plus CoCoOp's <c>meta_net</c>, MaPLe's
/// <c>coupling</c>, PromptSRC's <c>visual_prompt</c> and <c>ensemble</c>. CLIP and the frozen template features are
/// outside the module tree and reloaded from the CLIP folder.
/// </summary>
public sealed class PromptBaselineModel : nn.Module, IHierarchicalModel
{
#pragma warning disable IDE1006 // state-dict names
    readonly TextPromptLearner text_prompt;
    readonly VisualPromptLearner? visual_prompt;
    readonly CoCoOpMetaNet? meta_net;
    readonly MapleCoupling? coupling;
    readonly GaussianPromptEnsemble? ensemble;
#pragma warning restore IDE1006
    // Outside the module tree on purpose: a Module or Tensor field would be registered (and checkpointed).
    readonly Frozen _frozen;

    /// <summary>The frozen CLIP and what is derived from it once.</summary>
    sealed class Frozen
    {
        public required ClipModel Clip;
        public required Tensor NodeTokens;    // [N, L'] prompts whose context positions the learned context replaces
        public required Tensor Text;          // [N, P] unit features of the hand-crafted template
    }

    public ClassHierarchy Hierarchy { get; }
    public PromptBaselineOptions Options { get; }
    public PromptBaseline Method => Options.Method;

    /// <summary>The frozen CLIP (not part of the module's state).</summary>
    public ClipModel Clip => _frozen.Clip;

    public TextPromptLearner TextPrompt => text_prompt;
    public VisualPromptLearner? VisualPrompt => visual_prompt;
    public CoCoOpMetaNet? MetaNet => meta_net;
    public MapleCoupling? Coupling => coupling;
    public GaussianPromptEnsemble? Ensemble => ensemble;

    /// <summary>Unit text features of the hand-crafted template on the frozen CLIP, [N, P].</summary>
    public Tensor FrozenTextFeatures => _frozen.Text;

    /// <summary>Builds the method on <paramref name="clip"/>, which it freezes and from then on owns (disposes).</summary>
    public PromptBaselineModel(ClipModel clip, ClipTokenizer tokenizer, ClassHierarchy hierarchy, PromptBaselineOptions options)
        : base(PromptBaselineOptions.Name(options.Method))
    {
        options.Validate();
        Options = options;
        Hierarchy = hierarchy;
        clip.Freeze();
        clip.eval();
        var textOptions = options.TextPrompt;
        if (options.Method == PromptBaseline.MaPLe)
            // One coupling per prompted layer: both towers are prompted to the same depth.
            textOptions = textOptions with { Depth = Math.Min(textOptions.Depth, Math.Min(clip.Config.Text.NumHiddenLayers, clip.Config.Vision.NumHiddenLayers)) };
        text_prompt = new TextPromptLearner(clip, tokenizer, textOptions);
        var nodeTokens = ClassPrompts.ContextTokens(tokenizer, hierarchy, textOptions).DetachFromDisposeScope();
        using (no_grad())
        {
            using var templateTokens = ClassPrompts.Tokens(tokenizer, ClassPrompts.TemplateTexts(hierarchy, options.FrozenTemplate));
            using var features = clip.EncodeText(templateTokens);
            _frozen = new Frozen { Clip = clip, NodeTokens = nodeTokens, Text = nn.functional.normalize(features, dim: -1).DetachFromDisposeScope() };
        }
        switch (options.Method)
        {
            case PromptBaseline.CoCoOp:
                meta_net = new CoCoOpMetaNet(clip.Config.ProjectionDim, clip.Config.Text.HiddenSize);
                break;
            case PromptBaseline.MaPLe:
                coupling = new MapleCoupling(text_prompt.Depth, clip.Config.Text.HiddenSize, clip.Config.Vision.HiddenSize);
                break;
            case PromptBaseline.PromptSRC:
                visual_prompt = new VisualPromptLearner(clip, options.VisualPrompt);
                ensemble = new GaussianPromptEnsemble(EnsembledPrompts(), options.Epochs);
                break;
        }
        RegisterComponents();
    }

    nn.Module IHierarchicalModel.Module => this;

    /// <summary>CLIP's device.</summary>
    public Device Device => Clip.LogitScale.device;

    /// <summary>Moves the trainable state, the frozen CLIP and its token and feature tables.</summary>
    public void MoveTo(Device device)
    {
        this.to(device);
        Clip.to(device);
        var tokens = _frozen.NodeTokens.to(device).DetachFromDisposeScope();
        var text = _frozen.Text.to(device).DetachFromDisposeScope();
        _frozen.NodeTokens.Dispose();
        _frozen.Text.Dispose();
        (_frozen.NodeTokens, _frozen.Text) = (tokens, text);
    }

    /// <summary>The parameters training updates (never CLIP's, never the ensemble's buffers).</summary>
    public IReadOnlyList<Parameter> TrainableParameters => parameters().Where(q => q.requires_grad).ToArray();

    /// <summary>
    /// True when the forward uses PromptSRC's Gaussian-weighted ensemble instead of the current prompts: in eval mode
    /// once an epoch has been added. Training always uses (and updates) the current prompts.
    /// </summary>
    public bool UsesEnsemble => ensemble is not null && !training && ensemble.HasAverage;

    /// <summary>The prompt tensors PromptSRC averages, by state-dict name.</summary>
    IEnumerable<(string Name, Tensor Value)> EnsembledPrompts() =>
        text_prompt.named_parameters().Select(p => ("text_prompt." + p.name, (Tensor)p.parameter))
            .Concat(visual_prompt?.named_parameters().Select(p => ("visual_prompt." + p.name, (Tensor)p.parameter)) ?? []);

    /// <summary>PromptSRC: adds the prompts at the end of a 1-based epoch to the ensemble (no-op for other methods).</summary>
    public void AddToEnsemble(int epoch) => ensemble?.Add(epoch, EnsembledPrompts());

    /// <summary>The prompt tensor a forward uses: the current one, or its ensemble average (<see cref="UsesEnsemble"/>).</summary>
    Tensor? Current(string name, Tensor? prompt) => prompt is not null && UsesEnsemble ? ensemble!.Average(name) : prompt;

    /// <summary>Per-level logits [B, classes at level] for preprocessed images [B, 3, S, S], coarse → fine.</summary>
    public Tensor[] LevelLogits(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Forward(images).Logits.Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>The forward pass of the method (tensors in the caller's dispose scope).</summary>
    public PromptBaselineOutput Forward(Tensor images)
    {
        var scale = Clip.LogitScale.exp();
        if (meta_net is not null) return ForwardInstanceConditioned(images, scale);

        var context = Current("text_prompt.ctx", text_prompt.Context)!;
        var deep = Current("text_prompt.deep_ctx", text_prompt.DeepContext);
        VisionPrompts? visionPrompts = null;
        if (coupling is not null) visionPrompts = coupling.Couple(context, deep);
        else if (visual_prompt is not null)
        {
            var visual = visual_prompt.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            visionPrompts = visual_prompt.PromptsFrom(Current("visual_prompt.ctx", visual["ctx"])!,
                Current("visual_prompt.deep_ctx", visual.GetValueOrDefault("deep_ctx")));
        }
        var text = nn.functional.normalize(Clip.EncodeText(_frozen.NodeTokens, text_prompt.PromptsFrom(context, deep)), dim: -1);
        var image = nn.functional.normalize(Clip.EncodeImage(images, visionPrompts), dim: -1);
        return new PromptBaselineOutput(PerLevel(scale * image.matmul(text.t())), text, image);
    }

    /// <summary>
    /// CoCoOp: each image's context is ctx + π(x); the N node prompts are encoded for every image in one batched text pass
    /// of B·N sequences (context [B·N, nCtx, W]), and image b is scored against its own N text features.
    /// </summary>
    PromptBaselineOutput ForwardInstanceConditioned(Tensor images, Tensor scale)
    {
        var image = nn.functional.normalize(Clip.EncodeImage(images), dim: -1);
        long b = image.shape[0], n = _frozen.NodeTokens.shape[0];
        var shift = meta_net!.forward(image);                                        // [B, W]
        var context = text_prompt.Context.unsqueeze(0) + shift.unsqueeze(1);          // [B, nCtx, W]
        var perText = context.unsqueeze(1).expand(-1, n, -1, -1).reshape(b * n, context.shape[1], context.shape[2]);
        var tokens = _frozen.NodeTokens.unsqueeze(0).expand(b, -1, -1).reshape(b * n, _frozen.NodeTokens.shape[1]);
        var text = nn.functional.normalize(Clip.EncodeText(tokens, text_prompt.PromptsFrom(perText, null)), dim: -1).view(b, n, -1);
        var scores = scale * einsum("bp,bnp->bn", image, text);
        return new PromptBaselineOutput(PerLevel(scores), text, image);
    }

    /// <summary>Unit features of the frozen (unprompted) CLIP for images, no gradient.</summary>
    public Tensor FrozenImageFeatures(Tensor images)
    {
        using var _ = no_grad();
        return nn.functional.normalize(Clip.EncodeImage(images), dim: -1);
    }

    /// <summary>Node scores [B, N] sliced into the levels' logits.</summary>
    public Tensor[] PerLevel(Tensor scores) =>
        Enumerable.Range(1, Hierarchy.Depth).Select(l => scores.narrow(1, Hierarchy.LevelOffset(l), Hierarchy.ClassesAt(l))).ToArray();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _frozen.Clip.Dispose();
            _frozen.NodeTokens.Dispose();
            _frozen.Text.Dispose();
        }
        base.Dispose(disposing);
    }
}
