using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data.Points;

/// <summary>
/// A split of point clouds held whole in memory as one float32 tensor [M, P, 3] (x, y, z; y is up), each cloud labelled by
/// a leaf of <see cref="Hierarchy"/>. It is an <see cref="ImageDataset"/> so splits, subsets, the batch loader, the
/// trainer, evaluation and reports take it unchanged: <see cref="BatchLoader"/> gathers its clouds as [B, P, 3] batches,
/// and <see cref="GetImage"/> is the cloud drawn as a small shaded projection (for previews, contact sheets and reports).
/// </summary>
public sealed class PointCloudDataset : ImageDataset
{
    /// <summary>Side of the projection image <see cref="GetImage"/> draws, pixels.</summary>
    public const int PreviewSize = 64;

    readonly int[] _leaves;
    readonly IReadOnlyList<string> _sources;

    /// <summary>
    /// Wraps <paramref name="points"/> (M·P·3 floats, cloud after cloud, point after point) and one leaf id per cloud;
    /// <paramref name="sources"/> names where each cloud came from (a file, or "file[record]"), for messages.
    /// </summary>
    public PointCloudDataset(string name, ClassHierarchy hierarchy, float[] points, int pointsPerCloud, int[] leaves,
        IReadOnlyList<string> sources)
    {
        if (pointsPerCloud < 1) throw new ArgumentOutOfRangeException(nameof(pointsPerCloud), "a cloud needs at least one point");
        if (points.LongLength != 3L * pointsPerCloud * leaves.Length)
            throw new ArgumentException($"{name}: {points.LongLength} values for {leaves.Length} clouds of {pointsPerCloud} points");
        if (sources.Count != leaves.Length) throw new ArgumentException($"{name}: {sources.Count} sources for {leaves.Length} clouds");
        for (int i = 0; i < leaves.Length; i++)
            if ((uint)leaves[i] >= (uint)hierarchy.LeafCount)
                throw new DatasetException($"label {leaves[i]} is not a leaf of hierarchy '{hierarchy.Name}' ({hierarchy.LeafCount} leaves)", sources[i]);
        Name = name;
        Hierarchy = hierarchy;
        PointsPerCloud = pointsPerCloud;
        _leaves = leaves;
        _sources = sources;
        // Owned by the dataset for its lifetime: kept out of any dispose scope the caller may have open.
        Points = torch.tensor(points, new long[] { leaves.Length, pointsPerCloud, 3 }).DetachFromDisposeScope();
    }

    /// <summary>All clouds, float32 [M, P, 3].</summary>
    public Tensor Points { get; }

    /// <summary>Points of every cloud (P).</summary>
    public int PointsPerCloud { get; }

    public override ClassHierarchy Hierarchy { get; }
    public override int Count => _leaves.Length;
    public override string Name { get; }
    public override int LeafOf(int index) => _leaves[CheckIndex(index)];

    /// <summary>The shape of <see cref="GetImage"/>'s projection (3 × <see cref="PreviewSize"/>²), not of the data.</summary>
    public override (int Channels, int Height, int Width)? FixedShape => (3, PreviewSize, PreviewSize);

    /// <summary>Clouds are not images: nothing is normalised per channel.</summary>
    public override Normalization DefaultNormalization => Normalization.None;

    /// <summary>The cloud's points, float32 [P, 3]. The caller disposes it.</summary>
    public Tensor GetPoints(int index) => Points[CheckIndex(index)].clone();

    /// <summary>The cloud drawn as a shaded projection, float32 [3, <see cref="PreviewSize"/>, <see cref="PreviewSize"/>] in [0, 1].</summary>
    public override Tensor GetImage(int index)
    {
        using var cloud = Points[CheckIndex(index)].contiguous();
        var xyz = cloud.data<float>().ToArray();
        return torch.tensor(PointCloudRenderer.Render(xyz, PreviewSize), new long[] { 3, PreviewSize, PreviewSize });
    }

    public override string SourceOf(int index) => _sources[CheckIndex(index)];

    public override string ToString() => $"{Name} ({Count} clouds of {PointsPerCloud} points)";
}
