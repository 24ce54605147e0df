using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>
/// CLIP (Hugging Face <c>CLIPModel</c> layout): <c>text_model</c>, <c>vision_model</c>, <c>visual_projection</c>,
/// <c>text_projection</c>, <c>logit_scale</c>. Field names mirror the checkpoint keys so weights load by name
/// (see <see cref="Load(string)"/>). Computes in float32 unless <see cref="CastFrozen"/> put the towers in bfloat16;
/// either way every public output is float32 (the towers' boundaries convert), so callers never see the compute type.
/// </summary>
public sealed partial class ClipModel : nn.Module
{
#pragma warning disable IDE1006
    readonly ClipTextTransformer text_model;
    readonly ClipVisionTransformer vision_model;
    readonly Linear visual_projection, text_projection;
    readonly Parameter logit_scale;
#pragma warning restore IDE1006

    /// <summary>The configuration the model was built from.</summary>
    public ClipConfig Config { get; }

    /// <summary>The dtype the towers compute in: float32, or bfloat16 after <see cref="CastFrozen"/>.</summary>
    public ScalarType ComputeType { get; private set; } = ScalarType.Float32;

    /// <summary>A randomly initialised model of the given shape (load weights with <see cref="LoadWeights"/>).</summary>
    public ClipModel(ClipConfig config) : base(nameof(ClipModel))
    {
        config.Validate();
        Config = config;
        text_model = new ClipTextTransformer(config.Text);
        vision_model = new ClipVisionTransformer(config.Vision);
        visual_projection = nn.Linear(config.Vision.HiddenSize, config.ProjectionDim, hasBias: false);
        text_projection = nn.Linear(config.Text.HiddenSize, config.ProjectionDim, hasBias: false);
        logit_scale = nn.Parameter(torch.tensor((float)config.LogitScaleInitValue));
        RegisterComponents();
    }

    /// <summary>The text tower (for prompt learners: token embeddings, hidden states).</summary>
    public ClipTextTransformer TextModel => text_model;

    /// <summary>The vision tower.</summary>
    public ClipVisionTransformer VisionModel => vision_model;

    /// <summary>The learned temperature's log; logits are <c>exp(logit_scale) · cosine</c>.</summary>
    public Tensor LogitScale => logit_scale;

    /// <summary>Projected (not normalised) text features: input ids [T, L] (int64) → [T, projection_dim].</summary>
    public Tensor EncodeText(Tensor inputIds, TextPrompts? prompts = null)
    {
        if (inputIds.dim() != 2) throw new ArgumentException($"input ids must be [T, L], not [{string.Join(", ", inputIds.shape)}]");
        using var scope = torch.NewDisposeScope();
        var pooled = text_model.Forward(inputIds, prompts);
        return text_projection.forward(pooled).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Projected (not normalised) image features: pixel values [B, 3, H, W] → [B, projection_dim].</summary>
    public Tensor EncodeImage(Tensor pixelValues, VisionPrompts? prompts = null)
    {
        using var scope = torch.NewDisposeScope();
        var encoded = vision_model.Encode(pixelValues, prompts);
        var pooled = vision_model.PostLayerNorm(encoded[.., 0]);
        return visual_projection.forward(pooled).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The pooled image embedding and every non-CLS token (patches, then visual prompts) after <c>post_layernorm</c> and
    /// <c>visual_projection</c>: [B, patches + nCtx, projection_dim].
    /// </summary>
    public ClipVisionOutput EncodeImageWithTokens(Tensor pixelValues, VisionPrompts? prompts = null)
    {
        using var scope = torch.NewDisposeScope();
        var encoded = vision_model.Encode(pixelValues, prompts);
        var projected = visual_projection.forward(vision_model.PostLayerNorm(encoded)).to(ScalarType.Float32);
        var embeds = projected[.., 0].MoveToOuterDisposeScope();
        var tokens = projected[.., 1..].MoveToOuterDisposeScope();
        return new ClipVisionOutput(embeds, tokens);
    }

    /// <summary><c>exp(logit_scale) · cos(image, text)</c>: [B, P] × [T, P] → [B, T].</summary>
    public Tensor LogitsPerImage(Tensor imageEmbeds, Tensor textEmbeds)
    {
        using var scope = torch.NewDisposeScope();
        var image = nn.functional.normalize(imageEmbeds, dim: -1);
        var text = nn.functional.normalize(textEmbeds, dim: -1);
        return (logit_scale.exp() * image.matmul(text.t())).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Freezes the model and keeps the towers' weights (both towers and both projections) in <paramref name="type"/>,
    /// cast once here, so bfloat16 matmuls run without a per-call conversion. <c>logit_scale</c> stays float32, and
    /// inputs (pixels, prompt tokens) are converted where they enter a tower. Only for frozen use: a bfloat16 weight
    /// would lose small updates, so trainable parts (prompts, heads) stay float32 outside this model.
    /// </summary>
    public ClipModel CastFrozen(ScalarType type)
    {
        if (type is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"CLIP towers compute in Float32 or BFloat16, not {type}");
        Freeze();
        if (type == ComputeType) return this;
        text_model.to(type);
        vision_model.to(type);
        visual_projection.to(type);
        text_projection.to(type);
        ComputeType = type;
        return Freeze();   // re-created parameters start with requires_grad set
    }

    /// <summary>Stops gradients to every weight (prompt tensors passed to the forward still get theirs).</summary>
    public ClipModel Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
        return this;
    }
}
