namespace Arbor.Methods.Contrastive;

/// <summary>
/// A Gaussian mixture with diagonal covariances fitted by expectation–maximisation, deterministic for a given seed:
/// k-means++ seeding (seeded <see cref="Random"/>) refined by a few Lloyd iterations gives the initial means, every
/// component starts with the data's per-dimension variance and equal weight, then EM runs until the mean
/// log-likelihood improves by less than the tolerance or the iteration cap is reached. Variances are floored at
/// 1e-6 × the data variance (min 1e-10), which keeps each M-step a constrained maximiser, so the log-likelihood never
/// decreases. Used by G-HMLC on a few hundred low-dimensional points; plain double arithmetic.
/// </summary>
public sealed class GaussianMixture
{
    readonly int components;
    readonly int maxIterations;
    readonly double tolerance;
    readonly int seed;
    readonly int kMeansIterations;

    public GaussianMixture(int components, int maxIterations = 200, double tolerance = 1e-6, int seed = 0, int kMeansIterations = 10)
    {
        if (components < 1) throw new ArgumentOutOfRangeException(nameof(components), "a mixture needs at least one component");
        if (maxIterations < 1) throw new ArgumentOutOfRangeException(nameof(maxIterations));
        this.components = components;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
        this.seed = seed;
        this.kMeansIterations = kMeansIterations;
    }

    /// <summary>Fits the mixture to <paramref name="points"/> (n rows of equal length, n ≥ components).</summary>
    public GaussianMixtureFit Fit(IReadOnlyList<double[]> points)
    {
        int n = points.Count;
        if (n < components) throw new ArgumentException($"{n} points cannot fit {components} components");
        int dims = points[0].Length;
        if (points.Any(p => p.Length != dims)) throw new ArgumentException("all points need the same dimension");

        var floor = new double[dims];
        var globalVariance = new double[dims];
        for (int j = 0; j < dims; j++)
        {
            double mean = points.Average(p => p[j]);
            double variance = points.Average(p => (p[j] - mean) * (p[j] - mean));
            floor[j] = Math.Max(1e-6 * variance, 1e-10);
            globalVariance[j] = Math.Max(variance, floor[j]);
        }
        var means = KMeans(points, KMeansPlusPlus(points));
        var variances = Enumerable.Range(0, components).Select(_ => (double[])globalVariance.Clone()).ToArray();
        var weights = Enumerable.Repeat(1.0 / components, components).ToArray();

        var resp = new double[n][];
        for (int i = 0; i < n; i++) resp[i] = new double[components];
        var history = new List<double> { EStep(points, weights, means, variances, resp) };
        bool converged = false;
        int iterations = 0;
        while (iterations < maxIterations)
        {
            iterations++;
            MStep(points, resp, weights, means, variances, floor);
            double ll = EStep(points, weights, means, variances, resp);
            history.Add(ll);
            if (Math.Abs(ll - history[^2]) < tolerance)
            {
                converged = true;
                break;
            }
        }
        return new GaussianMixtureFit(weights, means, variances, history, iterations, converged);
    }

    double[][] KMeansPlusPlus(IReadOnlyList<double[]> points)
    {
        var rng = new Random(seed);
        int n = points.Count;
        var centres = new List<double[]> { points[rng.Next(n)] };
        var nearest = points.Select(p => SquaredDistance(p, centres[0])).ToArray();
        while (centres.Count < components)
        {
            double sum = nearest.Sum();
            int pick;
            if (sum <= 0) pick = Enumerable.Range(0, n).First(i => !centres.Contains(points[i]));
            else
            {
                double u = rng.NextDouble() * sum;
                pick = n - 1;
                for (int i = 0; i < n; i++)
                {
                    u -= nearest[i];
                    if (u < 0) { pick = i; break; }
                }
            }
            centres.Add(points[pick]);
            for (int i = 0; i < n; i++) nearest[i] = Math.Min(nearest[i], SquaredDistance(points[i], points[pick]));
        }
        return centres.Select(c => (double[])c.Clone()).ToArray();
    }

    double[][] KMeans(IReadOnlyList<double[]> points, double[][] centres)
    {
        int dims = centres[0].Length;
        for (int it = 0; it < kMeansIterations; it++)
        {
            var sums = new double[components, dims];
            var counts = new int[components];
            foreach (var p in points)
            {
                int best = 0;
                for (int k = 1; k < components; k++)
                    if (SquaredDistance(p, centres[k]) < SquaredDistance(p, centres[best])) best = k;
                counts[best]++;
                for (int j = 0; j < dims; j++) sums[best, j] += p[j];
            }
            for (int k = 0; k < components; k++)
                if (counts[k] > 0)
                    for (int j = 0; j < dims; j++) centres[k][j] = sums[k, j] / counts[k];
        }
        return centres;
    }

    /// <summary>Fills responsibilities and returns the mean log-likelihood per point.</summary>
    internal static double EStep(IReadOnlyList<double[]> points, double[] weights, double[][] means, double[][] variances, double[][] resp)
    {
        double total = 0;
        int k = weights.Length;
        var log = new double[k];
        for (int i = 0; i < points.Count; i++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                log[c] = weights[c] > 0 ? Math.Log(weights[c]) + LogDensity(points[i], means[c], variances[c]) : double.NegativeInfinity;
                max = Math.Max(max, log[c]);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) sum += Math.Exp(log[c] - max);
            double logSum = max + Math.Log(sum);
            for (int c = 0; c < k; c++) resp[i][c] = Math.Exp(log[c] - logSum);
            total += logSum;
        }
        return total / points.Count;
    }

    static void MStep(IReadOnlyList<double[]> points, double[][] resp, double[] weights, double[][] means, double[][] variances, double[] floor)
    {
        int n = points.Count, dims = floor.Length;
        for (int c = 0; c < weights.Length; c++)
        {
            double nk = 0;
            for (int i = 0; i < n; i++) nk += resp[i][c];
            weights[c] = nk / n;
            if (nk < 1e-10) continue; // an emptied component keeps its parameters and weight 0
            for (int j = 0; j < dims; j++)
            {
                double m = 0;
                for (int i = 0; i < n; i++) m += resp[i][c] * points[i][j];
                m /= nk;
                double v = 0;
                for (int i = 0; i < n; i++) v += resp[i][c] * (points[i][j] - m) * (points[i][j] - m);
                means[c][j] = m;
                variances[c][j] = Math.Max(v / nk, floor[j]);
            }
        }
    }

    internal static double LogDensity(double[] x, double[] mean, double[] variance)
    {
        double s = 0;
        for (int j = 0; j < x.Length; j++)
        {
            double d = x[j] - mean[j];
            s += Math.Log(2 * Math.PI * variance[j]) + d * d / variance[j];
        }
        return -0.5 * s;
    }

    static double SquaredDistance(double[] a, double[] b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
        return s;
    }
}

/// <summary>A fitted <see cref="GaussianMixture"/>.</summary>
/// <param name="Weights">Mixing weights (sum 1).</param>
/// <param name="Means">Component means.</param>
/// <param name="Variances">Diagonal variances per component.</param>
/// <param name="LogLikelihoods">Mean log-likelihood per point after initialisation and after every EM iteration.</param>
/// <param name="Iterations">EM iterations run.</param>
/// <param name="Converged">Whether the improvement fell below the tolerance before the cap.</param>
public sealed record GaussianMixtureFit(double[] Weights, double[][] Means, double[][] Variances,
    IReadOnlyList<double> LogLikelihoods, int Iterations, bool Converged)
{
    /// <summary>Posterior probability of every component for every point.</summary>
    public double[][] Responsibilities(IReadOnlyList<double[]> points)
    {
        var resp = points.Select(_ => new double[Weights.Length]).ToArray();
        GaussianMixture.EStep(points, Weights, Means, Variances, resp);
        return resp;
    }

    /// <summary>The most likely component of every point.</summary>
    public int[] Assign(IReadOnlyList<double[]> points) =>
        Responsibilities(points).Select(r => Array.IndexOf(r, r.Max())).ToArray();
}
