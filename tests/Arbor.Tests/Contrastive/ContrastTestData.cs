using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

/// <summary>Small deterministic batches for the loss tests.</summary>
internal static class ContrastTestData
{
    /// <summary>N samples × V views of random unit vectors in D dims (seeded).</summary>
    public static double[][][] RandomUnit(int n, int views, int d, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, views)
            .Select(_ => NaiveContrast.Unit(Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 2 - 1).ToArray()))
            .ToArray()).ToArray();
    }

    public static Tensor ToTensor(double[][][] z)
    {
        var flat = z.SelectMany(s => s.SelectMany(v => v)).ToArray();
        return torch.tensor(flat, dtype: ScalarType.Float64).reshape(z.Length, z[0].Length, z[0][0].Length);
    }

    public static Tensor Labels(long[][] rows) =>
        torch.tensor(rows.SelectMany(r => r).ToArray(), dtype: ScalarType.Int64).reshape(rows.Length, rows[0].Length);

    /// <summary>A 3-level labelling of 6 samples with a duplicate leaf, a singleton leaf and a singleton coarse class.</summary>
    public static readonly long[][] ThreeLevels =
    {
        new long[] { 0, 0, 0 },
        new long[] { 0, 0, 0 },
        new long[] { 0, 0, 1 },
        new long[] { 0, 1, 0 },
        new long[] { 1, 0, 0 },
        new long[] { 0, 1, 0 },
    };
}
