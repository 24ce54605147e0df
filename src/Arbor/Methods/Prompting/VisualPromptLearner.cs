using Arbor.Models.Clip;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting;

/// <summary>
/// Learnable visual prompts (VPT-deep, the vision half of IVLP): nCtx tokens of the vision tower's width appended after
/// the patch tokens at the input (<c>ctx</c>); when deep, fresh tokens replace them before blocks 1..depth-1
/// (<c>deep_ctx</c>). All start N(0, std).
/// </summary>
public sealed class VisualPromptLearner : nn.Module
{
#pragma warning disable IDE1006 // state-dict names
    readonly Parameter ctx;
    readonly Parameter? deep_ctx;
#pragma warning restore IDE1006

    /// <summary>Prompt tokens per layer.</summary>
    public int ContextTokens { get; }

    /// <summary>Layers with prompts (1 = shallow), after clamping to the vision tower's depth.</summary>
    public int Depth { get; }

    public VisualPromptLearner(ClipModel clip, PromptOptions? options = null) : base("visual_prompt")
    {
        options ??= new PromptOptions();
        options.Validate();
        ContextTokens = options.ContextTokens;
        Depth = options.DepthFor(clip.Config.Vision.NumHiddenLayers);
        int width = clip.Config.Vision.HiddenSize;
        ctx = PromptParameters.Normal(options.InitStd, ContextTokens, width);
        deep_ctx = PromptParameters.Deep(Depth, ContextTokens, width, options.InitStd);
        RegisterComponents();
    }

    /// <summary>The hook argument for the vision tower: input prompts and per-block deep prompts.</summary>
    public VisionPrompts Prompts() => PromptsFrom(ctx, deep_ctx);

    /// <summary>The hook argument for other tensors of this learner's shapes (PromptSRC's averaged prompts).</summary>
    public VisionPrompts PromptsFrom(Tensor context, Tensor? deep) => new(context, PromptParameters.PerBlock(deep, Depth));
}
