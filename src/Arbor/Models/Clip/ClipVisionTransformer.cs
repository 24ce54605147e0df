using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>Patch, class and position embeddings of the vision tower (<c>vision_model.embeddings</c>).</summary>
public sealed class ClipVisionEmbeddings : nn.Module
{
#pragma warning disable IDE1006
    readonly Parameter class_embedding;
    readonly Conv2d patch_embedding;
    readonly Embedding position_embedding;
#pragma warning restore IDE1006
    readonly ClipVisionConfig _config;

    public ClipVisionEmbeddings(ClipVisionConfig config) : base(nameof(ClipVisionEmbeddings))
    {
        _config = config;
        class_embedding = nn.Parameter(torch.randn(config.HiddenSize) * Math.Pow(config.HiddenSize, -0.5));
        patch_embedding = nn.Conv2d(config.NumChannels, config.HiddenSize, config.PatchSize, stride: config.PatchSize, bias: false);
        position_embedding = nn.Embedding(config.NumPatches + 1, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>[B, C, H, W] → [B, 1 + patches, width]: CLS then patches, with position embeddings added.</summary>
    public Tensor Forward(Tensor pixelValues)
    {
        if (pixelValues.dim() != 4 || pixelValues.shape[1] != _config.NumChannels ||
            pixelValues.shape[2] != _config.ImageSize || pixelValues.shape[3] != _config.ImageSize)
            throw new ArgumentException($"pixel values of shape [{string.Join(", ", pixelValues.shape)}]; the vision tower takes " +
                $"[B, {_config.NumChannels}, {_config.ImageSize}, {_config.ImageSize}]");
        using var scope = torch.NewDisposeScope();
        long b = pixelValues.shape[0];
        // Pixels come in float32 and meet the weights in the tower's compute type (bfloat16 after CastFrozen).
        var pixels = pixelValues.to(patch_embedding.weight!.dtype);
        var patches = patch_embedding.forward(pixels).flatten(2).transpose(1, 2);
        var cls = class_embedding.view(1, 1, -1).expand(b, 1, -1);
        return torch.cat([cls, patches], 1).add(position_embedding.weight!, CachedScalars.One).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The vision tower (<c>vision_model</c>): embeddings, <c>pre_layrnorm</c> (sic, Hugging Face's key), pre-LN encoder,
/// <c>post_layernorm</c>. Visual prompt tokens are appended after the patches.
/// </summary>
public sealed class ClipVisionTransformer : nn.Module
{
#pragma warning disable IDE1006
    readonly ClipVisionEmbeddings embeddings;
    readonly LayerNorm pre_layrnorm;
    readonly ClipEncoder encoder;
    readonly LayerNorm post_layernorm;
#pragma warning restore IDE1006

    public ClipVisionTransformer(ClipVisionConfig config) : base(nameof(ClipVisionTransformer))
    {
        embeddings = new ClipVisionEmbeddings(config);
        pre_layrnorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        encoder = new ClipEncoder(config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize, config.NumHiddenLayers,
            config.HiddenAct, config.LayerNormEps);
        post_layernorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>
    /// All tokens after the encoder, before <c>post_layernorm</c>: [B, 1 + patches + nCtx, width] (CLS first).
    /// </summary>
    public Tensor Encode(Tensor pixelValues, VisionPrompts? prompts = null)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = embeddings.Forward(pixelValues);
        long b = hidden.shape[0], w = hidden.shape[2];
        Func<int, Tensor, Tensor>? hook = null;
        if (prompts is not null)
        {
            var shallow = prompts.Shallow;
            if (shallow.dim() != 2 || shallow.shape[1] != w)
                throw new ArgumentException($"visual prompt Shallow has shape [{string.Join(", ", shallow.shape)}]; expected [nCtx, {w}]");
            long n = shallow.shape[0];
            // Prompts train in float32; the cast joins them to the tower's compute type and passes gradients back.
            hidden = torch.cat([hidden, shallow.to(hidden.dtype).unsqueeze(0).expand(b, -1, -1)], 1);
            if (prompts.Deep is { Count: > 0 } deep)
            {
                if (deep.Count >= encoder.Count)
                    throw new ArgumentException($"{deep.Count} deep visual prompts, but the vision tower has only {encoder.Count - 1} blocks after the first");
                for (int i = 0; i < deep.Count; i++)
                    if (deep[i].dim() != 2 || deep[i].shape[0] != n || deep[i].shape[1] != w)
                        throw new ArgumentException($"visual prompt Deep[{i}] has shape [{string.Join(", ", deep[i].shape)}]; expected [{n}, {w}]");
                hook = (j, h) => j <= deep.Count
                    ? torch.cat([h[.., ..(int)(h.shape[1] - n)], deep[j - 1].to(h.dtype).unsqueeze(0).expand(b, -1, -1)], 1)
                    : h;
            }
        }
        var normed = pre_layrnorm.forward(hidden);
        return encoder.Forward(normed, causal: false, hook).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>post_layernorm</c>. Hugging Face applies it to the pooled CLS token; it is per token, so applying it to the
    /// patch and prompt tokens too gives the token features HGCLIP uses without changing the CLS feature.
    /// </summary>
    public Tensor PostLayerNorm(Tensor tokens) => post_layernorm.forward(tokens);
}
