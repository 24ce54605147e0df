using Arbor.Methods.Contrastive;

namespace Arbor.Tests.Contrastive;

public class GaussianMixtureTests
{
    static double[][] TwoClusters(int perCluster, int seed)
    {
        var rng = new Random(seed);
        double Noise() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var points = new List<double[]>();
        for (int i = 0; i < perCluster; i++) points.Add(new[] { 0 + 0.3 * Noise(), 0 + 0.5 * Noise() });
        for (int i = 0; i < perCluster; i++) points.Add(new[] { 5 + 0.6 * Noise(), 3 + 0.2 * Noise() });
        return points.ToArray();
    }

    [Fact]
    public void RecoversTwoWellSeparatedClusters()
    {
        var points = TwoClusters(150, 1);
        var fit = new GaussianMixture(2).Fit(points);
        var assigned = fit.Assign(points);
        // One component per cluster, every point in its own cluster's component.
        Assert.All(assigned.Take(150), c => Assert.Equal(assigned[0], c));
        Assert.All(assigned.Skip(150), c => Assert.Equal(assigned[150], c));
        Assert.NotEqual(assigned[0], assigned[150]);
        int a = assigned[0], b = assigned[150];
        Assert.Equal(0, fit.Means[a][0], 1);
        Assert.Equal(5, fit.Means[b][0], 1);
        Assert.Equal(3, fit.Means[b][1], 1);
        Assert.InRange(Math.Sqrt(fit.Variances[a][1]), 0.4, 0.6);
        Assert.InRange(Math.Sqrt(fit.Variances[b][0]), 0.5, 0.7);
        Assert.Equal(0.5, fit.Weights[a], 6);
        Assert.True(fit.Converged);
    }

    [Fact]
    public void SameDataSameSeedSameFit()
    {
        var points = TwoClusters(60, 2).Concat(TwoClusters(30, 3).Select(p => new[] { p[0] - 4, p[1] + 6 })).ToArray();
        var first = new GaussianMixture(3, seed: 7).Fit(points);
        var second = new GaussianMixture(3, seed: 7).Fit(points);
        Assert.Equal(first.LogLikelihoods, second.LogLikelihoods);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(first.Means[c], second.Means[c]);
            Assert.Equal(first.Variances[c], second.Variances[c]);
        }
        Assert.Equal(first.Weights, second.Weights);
    }

    [Fact]
    public void LogLikelihoodNeverDecreases()
    {
        // Overlapping clusters and more components than clusters make EM take many steps.
        var rng = new Random(5);
        var points = Enumerable.Range(0, 200).Select(i => new[] { rng.NextDouble() * 3 + (i % 2) * 1.5, rng.NextDouble() }).ToArray();
        var fit = new GaussianMixture(4, maxIterations: 300, tolerance: 1e-12, seed: 1).Fit(points);
        Assert.True(fit.Iterations > 5, $"only {fit.Iterations} iterations");
        for (int i = 1; i < fit.LogLikelihoods.Count; i++)
            Assert.True(fit.LogLikelihoods[i] >= fit.LogLikelihoods[i - 1] - 1e-12,
                $"iteration {i}: {fit.LogLikelihoods[i - 1]} → {fit.LogLikelihoods[i]}");
    }

    [Fact]
    public void LogLikelihoodIsTheMixtureDensity()
    {
        var points = TwoClusters(20, 4);
        var fit = new GaussianMixture(2, maxIterations: 3).Fit(points);
        // Recompute the mean log-likelihood of the final parameters by hand.
        double total = 0;
        foreach (var p in points)
        {
            double density = 0;
            for (int c = 0; c < 2; c++)
            {
                double g = fit.Weights[c];
                for (int j = 0; j < 2; j++)
                {
                    double v = fit.Variances[c][j], d = p[j] - fit.Means[c][j];
                    g *= Math.Exp(-d * d / (2 * v)) / Math.Sqrt(2 * Math.PI * v);
                }
                density += g;
            }
            total += Math.Log(density);
        }
        Assert.Equal(total / points.Length, fit.LogLikelihoods[^1], 9);
    }

    [Fact]
    public void TooFewPointsAreRefused() =>
        Assert.Throws<ArgumentException>(() => new GaussianMixture(3).Fit(new[] { new[] { 1.0 }, new[] { 2.0 } }));
}
