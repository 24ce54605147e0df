using Arbor.Hierarchy;

namespace Arbor.Data.Points;

/// <summary>
/// The embedded point-cloud set: twelve solids in a three-level hierarchy (kind → family → shape, 2 / 4 / 12, see
/// <see cref="BuiltInHierarchies.Shapes"/>), generated at run time and identical for a given seed. Each sample draws the
/// shape's proportions, an overall size in [0.6, 1], a turn about the up axis (y), points uniform by area on the surface
/// and Gaussian noise (σ = 0.01) on every coordinate. Needs nothing downloaded; `arbor demo --modality points` trains on it.
/// </summary>
public static class ShapeSet
{
    /// <summary>The seed of the dataset named "shapes" (a data option, not the run's seed: every run sees the same clouds).</summary>
    public const int DefaultSeed = 2026;

    /// <summary>Clouds per shape in the training pool (validation is carved from it) and in the test split.</summary>
    public const int PoolPerShape = 120, TestPerShape = 40;

    /// <summary>Standard deviation of the noise added to every coordinate.</summary>
    public const double Noise = 0.01;

    /// <summary>The training pool, validation carved by the options' fraction and seed, and the test split.</summary>
    public static DatasetSplits Open(DatasetOptions options, int generationSeed = DefaultSeed,
        int poolPerShape = PoolPerShape, int testPerShape = TestPerShape)
    {
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Shapes();
        int points = options.Points ?? DatasetOptions.DefaultPoints;
        var leafOf = PointLabels.LeafIds(hierarchy, ShapeMeshes.Names, "the shape set");
        var pool = Generate("shapes train", hierarchy, leafOf, points, poolPerShape, generationSeed, split: 0);
        var test = Generate("shapes test", hierarchy, leafOf, points, testPerShape, generationSeed, split: 1);
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, "shapes");
        return new DatasetSplits(train, validation, test,
            $"shapes (generated, seed {generationSeed}, {points} points per cloud): {pool.Count} training-pool clouds " +
            $"({train.Count} train, {validation.Count} validation), {test.Count} test, {ShapeMeshes.Names.Length} shapes");
    }

    /// <summary>
    /// <paramref name="perShape"/> clouds of every shape, the shapes interleaved (sphere, ellipsoid, …, octahedron, sphere, …)
    /// so that any prefix (a training limit) is balanced. Each cloud has its own generator seeded by (seed, split, shape,
    /// index), so the set does not depend on thread scheduling.
    /// </summary>
    public static PointCloudDataset Generate(string name, ClassHierarchy hierarchy, int[] leafOf, int points, int perShape,
        int seed, int split)
    {
        int shapes = ShapeMeshes.Names.Length, count = shapes * perShape;
        var xyz = new float[3L * points * count];
        var leaves = new int[count];
        var sources = new string[count];
        Parallel.For(0, count, i =>
        {
            int shape = i % shapes, k = i / shapes;
            var random = new Random(BatchLoader.MixSeed(seed, split * 1000 + shape, k));
            var cloud = Sample(ShapeMeshes.Names[shape], points, random);
            cloud.CopyTo(xyz.AsSpan(i * 3 * points, 3 * points));
            leaves[i] = leafOf[shape];
            sources[i] = $"{name}: {ShapeMeshes.Names[shape]} #{k}";
        });
        return new PointCloudDataset(name, hierarchy, xyz, points, leaves, sources);
    }

    /// <summary>One cloud of <paramref name="shape"/>: mesh, size, turn about y, surface points, noise.</summary>
    public static float[] Sample(string shape, int points, Random random)
    {
        var mesh = ShapeMeshes.Build(shape, random);
        var cloud = mesh.SamplePoints(points, random) ?? throw new InvalidOperationException($"{shape}: mesh without area");
        // Fit the solid into the unit sphere, then give it its size.
        double radius = 0;
        for (int i = 0; i < points; i++)
            radius = Math.Max(radius, cloud[3 * i] * cloud[3 * i] + cloud[3 * i + 1] * cloud[3 * i + 1] + cloud[3 * i + 2] * cloud[3 * i + 2]);
        double size = (0.6 + 0.4 * random.NextDouble()) / Math.Sqrt(radius);
        double angle = 2 * Math.PI * random.NextDouble(), c = Math.Cos(angle), s = Math.Sin(angle);
        for (int i = 0; i < points; i++)
        {
            double x = cloud[3 * i], y = cloud[3 * i + 1], z = cloud[3 * i + 2];
            cloud[3 * i] = (float)(size * (c * x + s * z) + Noise * Gaussian(random));
            cloud[3 * i + 1] = (float)(size * y + Noise * Gaussian(random));
            cloud[3 * i + 2] = (float)(size * (-s * x + c * z) + Noise * Gaussian(random));
        }
        return cloud;
    }

    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

/// <summary>Class names of a point-cloud file set matched to the leaves of a hierarchy.</summary>
public static class PointLabels
{
    /// <summary>
    /// The leaf id of every name, in order; a name that is not a leaf of <paramref name="hierarchy"/> is a
    /// <see cref="DatasetException"/> naming <paramref name="source"/>.
    /// </summary>
    public static int[] LeafIds(ClassHierarchy hierarchy, IReadOnlyList<string> names, string source)
    {
        var ids = new int[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            if (!hierarchy.TryFind(hierarchy.Depth, names[i], out var node))
                throw new DatasetException($"class '{names[i]}' is not a leaf of hierarchy '{hierarchy.Name}' " +
                    $"({hierarchy.LeafCount} leaves, e.g. {string.Join(", ", hierarchy.NodesAt(hierarchy.Depth).Take(4).Select(n => n.Name))})", source);
            ids[i] = node.LocalIndex;
        }
        return ids;
    }
}
