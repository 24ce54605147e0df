using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data.Points;

/// <summary>
/// Augmentation of a batch of point clouds [B, N, 3] (y up) at once with torch ops, every random number drawn from the
/// loader's generator (seeded by seed, epoch and batch), so a batch's views depend only on those. In order: point dropout
/// (each point replaced by the cloud's first with a per-cloud probability drawn from [0, <see cref="DropoutMax"/>], as
/// PointNet++ — the cloud keeps N points), rotation about the up axis, anisotropic scaling, translation, and clipped
/// Gaussian jitter. No per-cloud loop. The parameters are drawn for the whole batch before any is applied, so a
/// data-parallel rank can augment only its own clouds (<see cref="IRowwiseBatchTransform"/>).
/// </summary>
public sealed record PointAugmentation : IRowwiseBatchTransform
{
    /// <summary>Largest per-cloud dropout probability (0 disables).</summary>
    public double DropoutMax { get; init; }

    /// <summary>Rotate each cloud about the up (y) axis by an angle uniform in [0, 2π).</summary>
    public bool RotateUp { get; init; }

    /// <summary>Per-axis scale factor range (1, 1 disables).</summary>
    public double ScaleMin { get; init; } = 1;
    public double ScaleMax { get; init; } = 1;

    /// <summary>Per-axis shift drawn from [−t, t] (0 disables).</summary>
    public double Translation { get; init; }

    /// <summary>Standard deviation of the per-point Gaussian jitter (0 disables) and its clip bound.</summary>
    public double JitterSigma { get; init; }
    public double JitterClip { get; init; } = 0.05;

    /// <summary>
    /// What DGCNN trains ModelNet40 with (its <c>translate_pointcloud</c>): scale per axis in [2/3, 3/2], shift in [−0.2, 0.2].
    /// Used by the supervised (cross-entropy) methods.
    /// </summary>
    public static PointAugmentation Supervised() => new() { ScaleMin = 2.0 / 3, ScaleMax = 1.5, Translation = 0.2 };

    /// <summary>
    /// The two contrastive views: everything above — dropout up to 0.5, rotation about the up axis, scaling in [0.8, 1.25],
    /// shift up to 0.1, jitter σ 0.01 clipped at 0.05 (PointNet's jitter).
    /// </summary>
    public static PointAugmentation Contrastive() => new()
    {
        DropoutMax = 0.5, RotateUp = true, ScaleMin = 0.8, ScaleMax = 1.25, Translation = 0.1, JitterSigma = 0.01, JitterClip = 0.05,
    };

    public Tensor Apply(Tensor points, torch.Generator generator) => ApplyToRows(points, points.shape[0], 0, generator);

    /// <summary>
    /// Draws every random number of a batch of <paramref name="batchSize"/> clouds (in the order one process always drew
    /// them), then augments only <paramref name="clouds"/>, the batch's clouds from <paramref name="firstRow"/> on.
    /// </summary>
    public Tensor ApplyToRows(Tensor clouds, long batchSize, long firstRow, torch.Generator generator)
    {
        if (clouds.dim() != 3 || clouds.shape[2] != 3)
            throw new ArgumentException($"point augmentation takes clouds [B, N, 3], not [{string.Join(", ", clouds.shape)}]");
        DrawnRows.Check(batchSize, firstRow, clouds.shape[0]);
        using var scope = torch.NewDisposeScope();
        long b = batchSize, n = clouds.shape[1], first = firstRow, count = clouds.shape[0];
        // Every parameter is drawn, and turned into its final form (masks, rotation matrices, clipped jitter), on the whole
        // batch; the clouds then take their own rows.
        Tensor? drop = null, rotation = null, scale = null, shift = null, jitter = null;
        if (DropoutMax > 0)
        {
            var ratio = torch.rand(new[] { b, 1L }, generator: generator).mul_(DropoutMax);
            drop = torch.rand(new[] { b, n }, generator: generator).lt(ratio).unsqueeze(2);
        }
        if (RotateUp)
        {
            var angle = torch.rand(new[] { b }, generator: generator).mul_(2 * Math.PI);
            var (c, s) = (angle.cos(), angle.sin());
            var zero = torch.zeros_like(c);
            var one = torch.ones_like(c);
            // Row-vector convention: x' = x · R, R = [[c, 0, −s], [0, 1, 0], [s, 0, c]] turns about y.
            rotation = torch.stack(new[] { c, zero, s.neg(), zero, one, zero, s, zero, c }, 1).view(b, 3, 3);
        }
        if (ScaleMin != 1 || ScaleMax != 1)
            scale = torch.rand(new[] { b, 1L, 3L }, generator: generator).mul_(ScaleMax - ScaleMin).add_(ScaleMin);
        if (Translation > 0)
            shift = torch.rand(new[] { b, 1L, 3L }, generator: generator).mul_(2 * Translation).sub_(Translation);
        if (JitterSigma > 0)
            jitter = torch.randn(new[] { b, n, 3L }, generator: generator).mul_(JitterSigma).clamp_(-JitterClip, JitterClip);

        var x = clouds;
        if (DrawnRows.Of(drop, first, count) is { } dropped) x = torch.where(dropped, x[.., ..1, ..].expand(-1, n, -1), x);
        if (DrawnRows.Of(rotation, first, count) is { } r) x = x.bmm(r);
        if (DrawnRows.Of(scale, first, count) is { } sc) x = x * sc;
        if (DrawnRows.Of(shift, first, count) is { } t) x = x + t;
        if (DrawnRows.Of(jitter, first, count) is { } j) x = x + j;
        return (ReferenceEquals(x, clouds) ? x.clone() : x).MoveToOuterDisposeScope();
    }
}
