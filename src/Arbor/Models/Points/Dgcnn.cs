using Arbor.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Models.Points;

/// <summary>
/// DGCNN (Wang et al. 2019) as a backbone: four EdgeConv layers (64, 64, 128, 256 channels), each on a k-nearest-neighbour
/// graph recomputed from its own input features (the "dynamic" graph), their outputs concatenated (512) and lifted by a
/// 1×1 convolution to <c>embedding</c> channels, then max- and mean-pooled over the points → features [B, 2·embedding].
/// Clouds [B, N, 3] in, every step batched (<see cref="EdgeConv"/>).
/// </summary>
public sealed class Dgcnn : ImageBackbone
{
    readonly ModuleList<EdgeConv> edges = new();
    readonly Conv1d lift;
    readonly BatchNorm1d lift_bn;

    /// <summary>Neighbours per point.</summary>
    public int K { get; }

    public override int FeatureDim { get; }

    public Dgcnn(int k = 20, int embedding = 1024) : base("dgcnn")
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1");
        K = k;
        int input = 3;
        foreach (var width in new[] { 64, 64, 128, 256 })
        {
            edges.Add(new EdgeConv(input, width, k));
            input = width;
        }
        lift = Conv1d(64 + 64 + 128 + 256, embedding, 1, bias: false);
        lift_bn = BatchNorm1d(embedding);
        FeatureDim = 2 * embedding;
        RegisterComponents();
    }

    public override Tensor forward(Tensor points)
    {
        PointInput.Check(points, GetName());
        using var scope = NewDisposeScope();
        var x = points.transpose(1, 2);                              // [B, 3, N]
        var outputs = new List<Tensor>();
        foreach (var edge in edges) outputs.Add(x = edge.forward(x));
        var y = functional.leaky_relu(lift_bn.forward(lift.forward(cat(outputs, 1))), 0.2);
        return cat(new[] { y.amax(new long[] { 2 }), y.mean(new long[] { 2 }) }, 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// One EdgeConv layer: for every point i and each of its k nearest neighbours j (in the input's feature space, the point
/// itself included, as DGCNN does), the edge feature (x_j − x_i, x_i) → 1×1 convolution → batch norm → LeakyReLU(0.2),
/// then the maximum over the k edges. [B, C, N] → [B, out, N].
/// </summary>
public sealed class EdgeConv : Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    readonly BatchNorm2d bn;

    public int K { get; }

    public EdgeConv(int inChannels, int outChannels, int k) : base(nameof(EdgeConv))
    {
        K = k;
        conv = Conv2d(2 * inChannels, outChannels, 1, bias: false);
        bn = BatchNorm2d(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var edges = KnnGraph.EdgeFeatures(x, KnnGraph.Neighbours(x, K));
        return functional.leaky_relu(bn.forward(conv.forward(edges)), 0.2).amax(new long[] { 3 }).MoveToOuterDisposeScope();
    }
}

/// <summary>k-nearest-neighbour graphs and edge features of a batch of point sets, in a few whole-batch tensor ops.</summary>
public static class KnnGraph
{
    /// <summary>
    /// Indices [B, N, k] (int64) of each point's k nearest points by squared Euclidean distance over the C features of
    /// <paramref name="x"/> [B, C, N], nearest first (the point itself included); k is capped at N. One batched matrix
    /// product gives every pairwise distance, topk picks the neighbours.
    /// </summary>
    public static Tensor Neighbours(Tensor x, int k)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[2];
        var inner = x.transpose(1, 2).bmm(x);                         // [B, N, N]  x_i · x_j
        var squares = x.pow(2).sum(1, keepdim: true);                 // [B, 1, N]  |x_j|²
        var negative = inner.mul_(2).sub_(squares).sub_(squares.transpose(1, 2));   // −|x_i − x_j|²
        return negative.topk((int)Math.Min(k, n), dim: -1).indexes.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Edge features [B, 2C, N, k]: (x_j − x_i, x_i) for every point i of <paramref name="x"/> [B, C, N] and neighbour j in
    /// <paramref name="neighbours"/> [B, N, k], gathered for the whole batch with one index_select on the flattened points.
    /// </summary>
    public static Tensor EdgeFeatures(Tensor x, Tensor neighbours)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], n = x.shape[2], k = neighbours.shape[2];
        var rows = x.transpose(1, 2).contiguous();                                    // [B, N, C]
        var offsets = arange(b, dtype: ScalarType.Int64, device: x.device).view(b, 1, 1).mul_(n);
        var flat = neighbours.add(offsets).view(-1);
        var gathered = rows.view(b * n, c).index_select(0, flat).view(b, n, k, c);   // x_j
        var centre = rows.unsqueeze(2).expand(-1, -1, k, -1);                         // x_i
        return cat(new[] { gathered - centre, centre }, 3).permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }
}
