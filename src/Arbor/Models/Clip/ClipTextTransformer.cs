using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>Token and position embeddings of the text tower (<c>text_model.embeddings</c>).</summary>
public sealed class ClipTextEmbeddings : nn.Module
{
#pragma warning disable IDE1006
    readonly Embedding token_embedding, position_embedding;
#pragma warning restore IDE1006

    public ClipTextEmbeddings(ClipTextConfig config) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>Token embeddings alone (e.g. to initialise context tokens from words): [.., L] → [.., L, width].</summary>
    public Tensor Tokens(Tensor inputIds) => token_embedding.forward(inputIds);

    /// <summary>Position embeddings for the first <paramref name="length"/> positions: [length, width].</summary>
    public Tensor Positions(long length) => position_embedding.weight![..(int)length];
}

/// <summary>
/// The text tower (<c>text_model</c>): embeddings, causal pre-LN encoder, <c>final_layer_norm</c>, pooling at EOS.
/// Causal attention plus EOS pooling make the pooled output independent of whatever follows EOS (padding).
/// </summary>
public sealed class ClipTextTransformer : nn.Module
{
#pragma warning disable IDE1006
    readonly ClipTextEmbeddings embeddings;
    readonly ClipEncoder encoder;
    readonly LayerNorm final_layer_norm;
#pragma warning restore IDE1006
    readonly ClipTextConfig _config;

    public ClipTextTransformer(ClipTextConfig config) : base(nameof(ClipTextTransformer))
    {
        _config = config;
        embeddings = new ClipTextEmbeddings(config);
        encoder = new ClipEncoder(config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize, config.NumHiddenLayers,
            config.HiddenAct, config.LayerNormEps);
        final_layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>The embeddings module (token embeddings are what text prompts are usually initialised from).</summary>
    public ClipTextEmbeddings Embeddings => embeddings;

    /// <summary>
    /// Index of the pooled (EOS) position of each sequence: <c>argmax(input_ids)</c> when <c>eos_token_id</c> is 2
    /// (legacy OpenAI exports, where EOS has the largest id), else the first position holding <c>eos_token_id</c>
    /// (0 when there is none, as in Hugging Face).
    /// </summary>
    public Tensor PooledPositions(Tensor inputIds)
    {
        if (_config.EosTokenId == 2) return inputIds.argmax(-1);
        using var eos = ((long)_config.EosTokenId).ToScalar();   // disposed now, not by a finalizer (see CachedScalars)
        using var isEos = inputIds.eq(eos).to_type(ScalarType.Int32);
        return isEos.argmax(-1);
    }

    /// <summary>Final hidden states [T, L, width] after <c>final_layer_norm</c>.</summary>
    public Tensor HiddenStates(Tensor inputIds, TextPrompts? prompts = null)
    {
        using var scope = torch.NewDisposeScope();
        long t = inputIds.shape[0], l = inputIds.shape[1];
        if (l > _config.MaxPositionEmbeddings)
            throw new ArgumentException($"sequences of {l} tokens exceed the model's {_config.MaxPositionEmbeddings} positions");
        var tokens = embeddings.Tokens(inputIds);
        if (prompts?.Shallow is { } shallow) tokens = ReplaceContext(tokens, shallow, "Shallow");
        var hidden = tokens.add(embeddings.Positions(l), CachedScalars.One);
        Func<int, Tensor, Tensor>? hook = null;
        if (prompts?.Deep is { Count: > 0 } deep)
        {
            if (deep.Count >= encoder.Count)
                throw new ArgumentException($"{deep.Count} deep text prompts, but the text tower has only {encoder.Count - 1} blocks after the first");
            hook = (j, h) => j <= deep.Count ? ReplaceContext(h, deep[j - 1], $"Deep[{j - 1}]") : h;
        }
        var encoded = encoder.Forward(hidden, causal: true, hook);
        return final_layer_norm.forward(encoded).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pooled features at the EOS position, before <c>text_projection</c>: [T, width]. Positions after the last EOS of the
    /// batch are cut off first: attention is causal and pooling reads the EOS position, so they cannot change the result,
    /// and CLIP's 77-token padding would otherwise cost 3–6× the FLOPs of a typical prompt.
    /// </summary>
    public Tensor Forward(Tensor inputIds, TextPrompts? prompts = null)
    {
        using var scope = torch.NewDisposeScope();
        inputIds = WithoutTrailingPadding(inputIds, prompts);
        var hidden = HiddenStates(inputIds, prompts);
        var index = PooledPositions(inputIds).view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
        return hidden.gather(1, index).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>The first positions of <paramref name="inputIds"/> up to the batch's last pooled one (at least BOS + context + 1).</summary>
    Tensor WithoutTrailingPadding(Tensor inputIds, TextPrompts? prompts)
    {
        long l = inputIds.shape[1];
        if (l <= 1) return inputIds;
        using var positions = PooledPositions(inputIds);
        long keep = positions.max().item<long>() + 1;
        long context = Math.Max(prompts?.Shallow is { } s ? s.shape[^2] : 0, prompts?.Deep is { Count: > 0 } d ? d.Max(t => t.shape[^2]) : 0);
        keep = Math.Max(keep, context + 2);   // prompt checks still see room for BOS, the context and one more token
        return keep >= l ? inputIds : inputIds.narrow(1, 0, keep);
    }

    /// <summary>Positions 1..nCtx of <paramref name="h"/> [T, L, W] replaced by <paramref name="context"/> ([n, W] or [T, n, W]).</summary>
    static Tensor ReplaceContext(Tensor h, Tensor context, string what)
    {
        long t = h.shape[0], l = h.shape[1], w = h.shape[2];
        var ctx = context.dim() switch
        {
            2 => context.unsqueeze(0).expand(t, -1, -1),
            3 when context.shape[0] == t => context,
            _ => throw new ArgumentException($"text prompt {what} has shape [{string.Join(", ", context.shape)}]; expected [nCtx, {w}] or [{t}, nCtx, {w}]"),
        };
        long n = ctx.shape[1];
        ctx = ctx.to(h.dtype);   // float32 prompts join a bfloat16 tower here; gradients flow back through the cast
        if (ctx.shape[2] != w) throw new ArgumentException($"text prompt {what} is {ctx.shape[2]} wide; the text tower is {w} wide");
        if (1 + n >= l) throw new ArgumentException($"text prompt {what} has {n} tokens; sequences of {l} leave no room after BOS and before EOS");
        return torch.cat([h[.., ..1], ctx, h[.., (int)(1 + n)..]], 1);
    }
}
