using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Graph;

/// <summary>
/// One graph attention layer with the semantics of DGL's <c>GATConv</c> (no dropout, no residual, no activation):
/// <code>
///   z_j    = W h_j                                  (per head: [H, out]; W has no bias)
///   e_ij   = LeakyReLU_0.2(a_dst · z_i + a_src · z_j)   for every edge j → i
///   α_ij   = softmax over the incoming edges of i (parallel edges each count: m_ij·exp(e_ij) / Σ_k m_ik·exp(e_ik))
///   h'_i   = Σ_j α_ij z_j + b                        (b per head × out)
/// </code>
/// computed for all nodes and heads at once. Input <c>[N, in]</c> or <c>[B, N, in]</c>; output <c>[N, H, out]</c> or
/// <c>[B, N, H, out]</c>. Parameter names follow DGL's state dict: <c>fc.weight</c> [H·out, in], <c>attn_l</c> (the
/// source vector a_src) and <c>attn_r</c> (the destination vector a_dst), both [1, H, out], and <c>bias</c> [H·out].
/// </summary>
public sealed class GatLayer : nn.Module<Tensor, GraphNeighbours, Tensor>
{
    /// <summary>LeakyReLU slope in the attention score (DGL's default, the reference's value).</summary>
    public const double NegativeSlope = 0.2;

#pragma warning disable IDE1006 // names mirror DGL's state dict
    readonly Linear fc;
    readonly Parameter attn_l;
    readonly Parameter attn_r;
    readonly Parameter bias;
#pragma warning restore IDE1006

    /// <summary>Input feature size.</summary>
    public int InFeatures { get; }

    /// <summary>Output feature size per head.</summary>
    public int OutFeatures { get; }

    /// <summary>Number of attention heads.</summary>
    public int Heads { get; }

    /// <param name="inFeatures">Input size.</param>
    /// <param name="outFeatures">Output size per head.</param>
    /// <param name="heads">Number of heads H.</param>
    /// <param name="initHeads">
    /// Head count whose Xavier fan sizes set the initial scale (default: <paramref name="heads"/>). The HGCLIP reference
    /// draws 8-head weights and uses head 0, whose slice has the 8-head Xavier spread; pass 8 to reproduce that.
    /// </param>
    /// <param name="name">Module name.</param>
    public GatLayer(int inFeatures, int outFeatures, int heads = 1, int? initHeads = null, string name = "gat")
        : base(name)
    {
        if (inFeatures <= 0 || outFeatures <= 0 || heads <= 0)
            throw new ArgumentOutOfRangeException(nameof(heads), $"sizes must be positive (in {inFeatures}, out {outFeatures}, heads {heads})");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Heads = heads;
        fc = nn.Linear(inFeatures, (long)heads * outFeatures, hasBias: false);
        attn_l = new Parameter(torch.empty(1, heads, outFeatures));
        attn_r = new Parameter(torch.empty(1, heads, outFeatures));
        bias = new Parameter(torch.zeros((long)heads * outFeatures));
        ResetParameters(initHeads ?? heads);
        RegisterComponents();
    }

    /// <summary>
    /// DGL's initialisation: Xavier-normal with gain √2 (the ReLU gain) for W and both attention vectors, zero bias.
    /// Fans are those of tensors shaped for <paramref name="initHeads"/> heads: W [H·out, in] → fan_in + fan_out =
    /// in + H·out; a [1, H, out] → H·out + out.
    /// </summary>
    public void ResetParameters(int initHeads)
    {
        double gain = Math.Sqrt(2.0);
        double wStd = gain * Math.Sqrt(2.0 / (InFeatures + (double)initHeads * OutFeatures));
        double aStd = gain * Math.Sqrt(2.0 / ((double)initHeads * OutFeatures + OutFeatures));
        using var _ = torch.no_grad();
        fc.weight!.normal_(0, wStd);
        attn_l.normal_(0, aStd);
        attn_r.normal_(0, aStd);
        bias.zero_();
    }

    /// <summary>Features [N, in] or [B, N, in] over the graph <paramref name="graph"/> → [(B,) N, H, out].</summary>
    public override Tensor forward(Tensor features, GraphNeighbours graph)
    {
        int dims = (int)features.dim();
        if (dims is not (2 or 3) || features.shape[^1] != InFeatures || features.shape[^2] != graph.NodeCount)
            throw new ArgumentException(
                $"GAT input must be [N={graph.NodeCount}, {InFeatures}] or [B, N, {InFeatures}], got [{string.Join(", ", features.shape)}]");
        using var scope = torch.NewDisposeScope();
        graph = graph.On(features.device);
        long n = graph.NodeCount;
        var prefix = features.shape[..^1];                                     // [(B,) N]
        var z = fc.forward(features).view([.. prefix, Heads, OutFeatures]);    // [(B,) N, H, out]
        var scoreSrc = (z * attn_l).sum(-1);                                   // [(B,) N, H]  a_src · z_j
        var scoreDst = (z * attn_r).sum(-1);                                   // [(B,) N, H]  a_dst · z_i

        Tensor result;
        if (graph.UseDense)
        {
            // e[.., i, j, h] = a_dst·z_i + a_src·z_j, masked to the edges j → i.
            var e = nn.functional.leaky_relu(scoreDst.unsqueeze(-2) + scoreSrc.unsqueeze(-3), NegativeSlope);
            if (graph.LogMultiplicity is not null) e = e + graph.LogMultiplicity.unsqueeze(-1);
            e = e.masked_fill(graph.EdgeMask.logical_not().unsqueeze(-1), double.NegativeInfinity);
            var alpha = e.softmax(-2);                                           // over sources j
            // Σ_j α_ij z_j per head: [.., H, N, N] @ [.., H, N, out].
            result = alpha.movedim(new long[] { -1 }, new long[] { -3 }).matmul(z.transpose(-2, -3)).transpose(-2, -3);
        }
        else
        {
            long k = graph.MaxInDegree;
            int nodeDim = dims == 2 ? 0 : 1;
            var zSrc = z.index_select(nodeDim, graph.FlatSources).view([.. prefix[..^1], n, k, Heads, OutFeatures]);
            var sSrc = scoreSrc.index_select(nodeDim, graph.FlatSources).view([.. prefix[..^1], n, k, Heads]);
            var e = nn.functional.leaky_relu(scoreDst.unsqueeze(-2) + sSrc, NegativeSlope);   // [.., N, K, H]
            if (graph.LogMultiplicity is not null) e = e + graph.LogMultiplicity.unsqueeze(-1);
            e = e.masked_fill(graph.SourceMask.logical_not().unsqueeze(-1), double.NegativeInfinity);
            var alpha = e.softmax(-2);
            result = (alpha.unsqueeze(-1) * zSrc).sum(-3);                      // [.., N, H, out]
        }
        return (result + bias.view(Heads, OutFeatures)).MoveToOuterDisposeScope();
    }
}
