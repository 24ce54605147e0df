using Arbor.Models.Clip;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting;

/// <summary>
/// Learnable text context (CoOp when shallow, the text half of IVLP when deep): nCtx vectors of the text tower's width
/// that replace the placeholder words of every class prompt at the input (<c>ctx</c>), and, when deep, fresh vectors that
/// replace the hidden states at those positions before blocks 1..depth-1 (<c>deep_ctx</c>). The input context starts as
/// the token embeddings of the first nCtx tokens of <see cref="PromptOptions.TextInit"/> ("a photo of a"); tokens of the
/// init beyond nCtx stay in every class prompt as frozen words (the HGCLIP reference's "a photo of an aircraft" keeps
/// "aircraft"; see <see cref="ClassPrompts.ContextTokens"/>). An init shorter than nCtx is refused; an empty one means
/// N(0, std). The deep context starts N(0, std).
/// </summary>
public sealed class TextPromptLearner : nn.Module
{
#pragma warning disable IDE1006 // state-dict names
    readonly Parameter ctx;
    readonly Parameter? deep_ctx;
#pragma warning restore IDE1006

    /// <summary>Context tokens per layer.</summary>
    public int ContextTokens { get; }

    /// <summary>Layers with prompts (1 = shallow), after clamping to the text tower's depth.</summary>
    public int Depth { get; }

    /// <summary>True when the input context was initialised from the words of <see cref="PromptOptions.TextInit"/>.</summary>
    public bool InitialisedFromWords { get; }

    public TextPromptLearner(ClipModel clip, ClipTokenizer? tokenizer, PromptOptions? options = null) : base("text_prompt")
    {
        options ??= new PromptOptions();
        options.Validate();
        ContextTokens = options.ContextTokens;
        Depth = options.DepthFor(clip.Config.Text.NumHiddenLayers);
        int width = clip.Config.Text.HiddenSize;
        using (no_grad())
        {
            var words = tokenizer is null ? null : ClassPrompts.InitWords(tokenizer, options);
            Tensor init;
            if (words is not null)
            {
                using var ids = tensor(words.Take(ContextTokens).Select(w => (long)w).ToArray());
                init = clip.TextModel.Embeddings.Tokens(ids).detach().to(ScalarType.Float32).clone();   // prompts train in fp32
                InitialisedFromWords = true;
            }
            else init = randn(ContextTokens, width) * options.InitStd;
            ctx = new Parameter(init, requires_grad: true);
            ctx.DetachFromDisposeScope();
            deep_ctx = PromptParameters.Deep(Depth, ContextTokens, width, options.InitStd);
        }
        RegisterComponents();
    }

    /// <summary>The hook argument for <see cref="ClipModel.EncodeText"/>: shallow context and per-block deep context.</summary>
    public TextPrompts Prompts() => PromptsFrom(ctx, deep_ctx);

    /// <summary>The input context [nCtx, width] (MaPLe couples the visual prompts to it).</summary>
    public Tensor Context => ctx;

    /// <summary>The deep context [depth-1, nCtx, width], or null when shallow.</summary>
    public Tensor? DeepContext => deep_ctx;

    /// <summary>
    /// The hook argument for other tensors of this learner's shapes: a per-text context [T, nCtx, width] (CoCoOp's
    /// instance-shifted one) or an averaged copy of the learned tensors (PromptSRC's ensemble).
    /// </summary>
    public TextPrompts PromptsFrom(Tensor context, Tensor? deep) => new(context, PromptParameters.PerBlock(deep, Depth));
}
