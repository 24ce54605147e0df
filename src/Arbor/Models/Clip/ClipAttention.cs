using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>
/// Multi-head self-attention as in Hugging Face's <c>CLIPAttention</c> (keys <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>,
/// <c>out_proj</c>). Scores use 1/√head_dim, which is <c>scaled_dot_product_attention</c>'s default.
/// </summary>
public sealed class ClipAttention : nn.Module
{
#pragma warning disable IDE1006 // field names mirror the checkpoint's keys
    readonly Linear q_proj, k_proj, v_proj, out_proj;
#pragma warning restore IDE1006
    readonly int _heads;

    public ClipAttention(int width, int heads) : base(nameof(ClipAttention))
    {
        _heads = heads;
        q_proj = nn.Linear(width, width);
        k_proj = nn.Linear(width, width);
        v_proj = nn.Linear(width, width);
        out_proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <summary>[B, L, W] → [B, L, W]; <paramref name="causal"/> lets each position see itself and earlier ones only.</summary>
    public Tensor Forward(Tensor hidden, bool causal)
    {
        long b = hidden.shape[0], l = hidden.shape[1], w = hidden.shape[2];
        using var q = Heads(q_proj, hidden);
        using var k = Heads(k_proj, hidden);
        using var v = Heads(v_proj, hidden);
        using var attended = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: causal);
        using var byPosition = attended.transpose(1, 2);
        using var merged = byPosition.reshape(b, l, w);
        return out_proj.forward(merged);
    }

    /// <summary>
    /// projection(hidden) as [B, heads, L, head_dim]. Every intermediate handle is disposed here, not at the caller's
    /// dispose scope: a view keeps its storage alive, so otherwise each block's q, k and v would stay allocated until the
    /// whole tower ends (12 × 30 MB for the text tower at batch 64 × 77).
    /// </summary>
    Tensor Heads(Linear projection, Tensor hidden)
    {
        long b = hidden.shape[0], l = hidden.shape[1], w = hidden.shape[2];
        using var projected = projection.forward(hidden);
        using var split = projected.view(b, l, _heads, w / _heads);
        return split.transpose(1, 2);
    }
}
