using Arbor.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Models.Points;

/// <summary>
/// PointNet's shared per-point MLP (Qi et al. 2017) as a backbone: clouds [B, N, 3] → 1×1 convolutions 3 → 64 → 64 → 64 →
/// 128 → <see cref="FeatureDim"/>, each with batch norm and ReLU, then a max over the points (order-invariant) →
/// features [B, FeatureDim]. Without the input and feature transform networks (T-Nets): the light variant, which the
/// PointNet paper measures within about 2 points of the full model on ModelNet40.
/// </summary>
public sealed class PointNet : ImageBackbone
{
    readonly ModuleList<Conv1d> convs = new();
    readonly ModuleList<BatchNorm1d> norms = new();

    public override int FeatureDim { get; }

    public PointNet(int featureDim = 512) : base("pointnet")
    {
        FeatureDim = featureDim;
        var widths = new[] { 3, 64, 64, 64, 128, featureDim };
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            convs.Add(Conv1d(widths[i], widths[i + 1], 1, bias: false));
            norms.Add(BatchNorm1d(widths[i + 1]));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor points)
    {
        PointInput.Check(points, GetName());
        using var scope = NewDisposeScope();
        var x = points.transpose(1, 2);                              // [B, 3, N]
        for (int i = 0; i < convs.Count; i++) x = functional.relu(norms[i].forward(convs[i].forward(x)));
        return x.amax(new long[] { 2 }).MoveToOuterDisposeScope();   // [B, F]
    }
}

/// <summary>The input check every point backbone shares.</summary>
internal static class PointInput
{
    public static void Check(Tensor points, string backbone)
    {
        if (points.dim() != 3 || points.shape[2] != 3)
            throw new ArborException($"{backbone} takes point clouds [batch, points, 3], not [{string.Join(", ", points.shape)}]; " +
                                     "use it with a point-cloud dataset (shapes, modelnet40, modelnet10)");
    }
}
