using Arbor.Hierarchy;
using Arbor.Models.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Graph;

/// <summary>
/// A plain, loop-by-loop GAT in double arithmetic, written from the formula (not from the layer), to check the
/// vectorised layer against; plus small helpers to set a layer's weights by hand and to build tree adjacencies.
/// </summary>
static class GatReference
{
    /// <summary>
    /// h'_i[h] = Σ_{j: adj[i,j]≠0} softmax_j(LeakyReLU(a_dst[h]·z_i[h] + a_src[h]·z_j[h])) z_j[h] + b[h], z = W x.
    /// w: [H·out, in]; attnSrc/attnDst: [H, out]; bias: [H·out]; x: [N, in]; adj: [N, N]. Returns [N, H, out].
    /// </summary>
    public static double[,,] Layer(double[,] x, double[,] adj, double[,] w, double[,] attnSrc, double[,] attnDst, double[] bias, int heads)
    {
        int n = x.GetLength(0), inF = x.GetLength(1), outF = w.GetLength(0) / heads;
        var z = new double[n, heads, outF];
        for (int i = 0; i < n; i++)
            for (int h = 0; h < heads; h++)
                for (int o = 0; o < outF; o++)
                {
                    double s = 0;
                    for (int k = 0; k < inF; k++) s += w[h * outF + o, k] * x[i, k];
                    z[i, h, o] = s;
                }
        double Dot(double[,] a, int i, int h)
        {
            double s = 0;
            for (int o = 0; o < outF; o++) s += a[h, o] * z[i, h, o];
            return s;
        }
        var result = new double[n, heads, outF];
        for (int i = 0; i < n; i++)
            for (int h = 0; h < heads; h++)
            {
                var sources = Enumerable.Range(0, n).Where(j => adj[i, j] != 0).ToArray();
                var e = sources.Select(j =>
                {
                    double v = Dot(attnDst, i, h) + Dot(attnSrc, j, h);
                    return v > 0 ? v : 0.2 * v;
                }).ToArray();
                double max = e.Max();
                var ex = e.Select(v => Math.Exp(v - max)).ToArray();
                double sum = ex.Sum();
                for (int o = 0; o < outF; o++)
                {
                    double acc = 0;
                    for (int s = 0; s < sources.Length; s++) acc += ex[s] / sum * z[sources[s], h, o];
                    result[i, h, o] = acc + bias[h * outF + o];
                }
            }
        return result;
    }

    /// <summary>The layer's parameters as double arrays (w, attnSrc [H,out], attnDst [H,out], bias).</summary>
    public static (double[,] W, double[,] Src, double[,] Dst, double[] Bias) Read(GatLayer layer)
    {
        var p = layer.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        return (To2D(p["fc.weight"]), To2D(p["attn_l"].squeeze(0)), To2D(p["attn_r"].squeeze(0)),
            p["bias"].to(ScalarType.Float64).data<double>().ToArray());
    }

    /// <summary>Sets a layer's parameters by hand.</summary>
    public static void Write(GatLayer layer, double[,] w, double[,] attnSrc, double[,] attnDst, double[] bias)
    {
        var p = layer.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        using var _ = torch.no_grad();
        p["fc.weight"].copy_(torch.tensor(w, ScalarType.Float32));
        p["attn_l"].copy_(torch.tensor(attnSrc, ScalarType.Float32).unsqueeze(0));
        p["attn_r"].copy_(torch.tensor(attnDst, ScalarType.Float32).unsqueeze(0));
        p["bias"].copy_(torch.tensor(bias, ScalarType.Float32));
    }

    public static double[,] To2D(Tensor t)
    {
        var d = t.detach().to(ScalarType.Float64).contiguous();
        int r = (int)d.shape[0], c = (int)d.shape[1];
        var flat = d.data<double>().ToArray();
        var a = new double[r, c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) a[i, j] = flat[i * c + j];
        return a;
    }

    public static double[,,] To3D(Tensor t)
    {
        var d = t.detach().to(ScalarType.Float64).contiguous();
        int a0 = (int)d.shape[0], a1 = (int)d.shape[1], a2 = (int)d.shape[2];
        var flat = d.data<double>().ToArray();
        var a = new double[a0, a1, a2];
        for (int i = 0; i < a0; i++) for (int j = 0; j < a1; j++) for (int k = 0; k < a2; k++) a[i, j, k] = flat[(i * a1 + j) * a2 + k];
        return a;
    }

    /// <summary>Mean over heads of [N, H, out] → [N, out].</summary>
    public static double[,] MeanHeads(double[,,] h)
    {
        int n = h.GetLength(0), heads = h.GetLength(1), o = h.GetLength(2);
        var r = new double[n, o];
        for (int i = 0; i < n; i++) for (int k = 0; k < o; k++)
        {
            double s = 0;
            for (int j = 0; j < heads; j++) s += h[i, j, k];
            r[i, k] = s / heads;
        }
        return r;
    }

    /// <summary>Tree adjacency <c>adj[dst, src]</c>: every node aggregates itself and its parent.</summary>
    public static Tensor TreeAdjacency(ClassHierarchy hierarchy)
    {
        int n = hierarchy.Nodes.Count;
        var adj = new float[n, n];
        foreach (var node in hierarchy.Nodes)
        {
            adj[node.Index, node.Index] = 1;
            if (node.Parent >= 0) adj[node.Index, node.Parent] = 1;
        }
        return torch.tensor(adj);
    }

    public static double[,] AdjacencyArray(Tensor adj) => To2D(adj);
}
