using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// G-HMLC's mask finder: which feature dimensions serve which hierarchy level. For every dimension d and level h it
/// scores how much of z_d's variance the level-h classes explain beyond their parents (the correlation ratio η² at
/// level h minus η² at level h−1), fits an H-component <see cref="GaussianMixture"/> to the D score vectors, assigns
/// each dimension to its most likely component, and matches components to levels greedily by their relative mean
/// score profile. Every level is guaranteed at least one dimension. See docs/contrastive.md.
/// </summary>
public sealed class FeatureLevelIdentifier
{
    readonly int levels;
    readonly GaussianMixture mixture;

    public FeatureLevelIdentifier(int levels, int maxIterations = 200, double tolerance = 1e-6, int seed = 0)
    {
        if (levels < 1) throw new ArgumentOutOfRangeException(nameof(levels));
        this.levels = levels;
        mixture = new GaussianMixture(levels, maxIterations, tolerance, seed);
    }

    /// <summary>
    /// η²[d][h]: between-class variance of dimension d over its total variance, with classes = label prefixes down to
    /// level h. <paramref name="features"/> <c>[M, D]</c>, <paramref name="labels"/> <c>[M, L]</c>. A constant dimension scores 0.
    /// </summary>
    public static double[][] CorrelationRatios(Tensor features, Tensor labels)
    {
        using var scope = NewDisposeScope();
        if (features.dim() != 2 || labels.dim() != 2 || features.shape[0] != labels.shape[0])
            throw new ArgumentException($"features must be [M, D] and labels [M, L] for the same M, got " +
                $"[{string.Join(", ", features.shape)}] and [{string.Join(", ", labels.shape)}]");
        var x = features.detach().to(ScalarType.Float64).cpu();
        long m = x.shape[0], d = x.shape[1];
        int depth = (int)labels.shape[1];
        var rows = labels.to(ScalarType.Int64).cpu().data<long>().ToArray();
        var centred = x - x.mean(new long[] { 0 }, keepdim: true);
        var total = centred.pow(2).mean(new long[] { 0 });                                  // [D]
        var scores = new double[d][];
        for (int j = 0; j < d; j++) scores[j] = new double[depth];
        for (int h = 0; h < depth; h++)
        {
            // Class id = index of the label prefix down to level h (computed from the ids of levels 1..h).
            var ids = new long[m];
            var seen = new Dictionary<string, long>();
            for (long i = 0; i < m; i++)
            {
                var key = string.Join(',', Enumerable.Range(0, h + 1).Select(l => rows[i * depth + l]));
                if (!seen.TryGetValue(key, out var id)) seen[key] = id = seen.Count;
                ids[i] = id;
            }
            var oneHot = nn.functional.one_hot(torch.tensor(ids), seen.Count).to(ScalarType.Float64);  // [M, C]
            var counts = oneHot.sum(new long[] { 0 });                                                             // [C]
            var classMeans = oneHot.t().matmul(centred) / counts.unsqueeze(1);                        // [C, D]
            var between = (counts.unsqueeze(1) * classMeans.pow(2)).sum(new long[] { 0 }) / m;                     // [D]
            var ratio = torch.where(total.gt(1e-12), between / total.clamp_min(1e-12), torch.zeros_like(total));
            var values = ratio.data<double>().ToArray();
            for (int j = 0; j < d; j++) scores[j][h] = values[j];
        }
        return scores;
    }

    /// <summary>The per-level gains: η² at level h minus η² at level h−1 (η² at level 0 = 0), clamped at 0.</summary>
    public static double[][] LevelGains(double[][] correlationRatios) =>
        correlationRatios.Select(r => r.Select((v, h) => Math.Max(0, v - (h == 0 ? 0 : r[h - 1]))).ToArray()).ToArray();

    /// <summary>Finds the level of every dimension of <paramref name="features"/> <c>[M, D]</c> under <paramref name="labels"/> <c>[M, L]</c>.</summary>
    public FeatureLevels Identify(Tensor features, Tensor labels)
    {
        if (labels.dim() != 2 || labels.shape[1] != levels)
            throw new ArgumentException($"labels must have {levels} levels, got [{string.Join(", ", labels.shape)}]");
        var gains = LevelGains(CorrelationRatios(features, labels));
        int dims = gains.Length;
        if (levels == 1) return new FeatureLevels(new int[dims], gains, null);
        if (dims < levels) throw new ArgumentException($"{dims} dimensions cannot be split over {levels} levels");

        // Scores differ in scale between levels (finer levels explain more variance), so profiles are compared relative
        // to each level's mean gain over all dimensions.
        var levelMean = Enumerable.Range(0, levels).Select(h => gains.Average(g => g[h])).ToArray();
        double Relative(double[] g, int h) => levelMean[h] > 1e-12 ? g[h] / levelMean[h] : 0;

        var fit = mixture.Fit(gains);
        var component = fit.Assign(gains);

        // Greedy matching: repeatedly pair the component and level with the largest relative mean gain.
        var levelOfComponent = Enumerable.Repeat(-1, levels).ToArray();
        var levelTaken = new bool[levels];
        for (int round = 0; round < levels; round++)
        {
            (int c, int h, double v) best = (-1, -1, double.NegativeInfinity);
            for (int c = 0; c < levels; c++)
                for (int h = 0; h < levels; h++)
                    if (levelOfComponent[c] < 0 && !levelTaken[h] && Relative(fit.Means[c], h) > best.v)
                        best = (c, h, Relative(fit.Means[c], h));
            levelOfComponent[best.c] = best.h;
            levelTaken[best.h] = true;
        }
        var levelOf = component.Select(c => levelOfComponent[c]).ToArray();

        // Every level keeps at least one dimension: an empty level takes the dimension with the highest relative gain
        // for it among levels that can spare one.
        for (int h = 0; h < levels; h++)
        {
            if (levelOf.Contains(h)) continue;
            var counts = Enumerable.Range(0, levels).Select(l => levelOf.Count(x => x == l)).ToArray();
            int donor = Enumerable.Range(0, dims).Where(j => counts[levelOf[j]] > 1)
                .OrderByDescending(j => Relative(gains[j], h)).ThenBy(j => j).First();
            levelOf[donor] = h;
        }
        return new FeatureLevels(levelOf, gains, fit);
    }
}

/// <summary>The outcome of <see cref="FeatureLevelIdentifier.Identify"/>.</summary>
/// <param name="LevelOfDimension">0-based level of every dimension.</param>
/// <param name="Gains">The score vectors [D][H] the mixture was fitted to.</param>
/// <param name="Mixture">The fitted mixture (null with one level).</param>
public sealed record FeatureLevels(int[] LevelOfDimension, double[][] Gains, GaussianMixtureFit? Mixture)
{
    /// <summary>Hard masks <c>[H, D]</c> (float 0/1): row h has ones on the dimensions of level h.</summary>
    public Tensor Masks(int levels)
    {
        var values = new float[levels * LevelOfDimension.Length];
        for (int j = 0; j < LevelOfDimension.Length; j++) values[LevelOfDimension[j] * LevelOfDimension.Length + j] = 1;
        return torch.tensor(values).reshape(levels, LevelOfDimension.Length);
    }

    /// <summary>The dimensions of a 0-based level.</summary>
    public int[] DimensionsOf(int level) =>
        Enumerable.Range(0, LevelOfDimension.Length).Where(j => LevelOfDimension[j] == level).ToArray();
}
