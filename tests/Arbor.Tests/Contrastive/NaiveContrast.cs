namespace Arbor.Tests.Contrastive;

/// <summary>
/// Plain double-arithmetic, loop-by-loop evaluation of the formulas in docs/contrastive.md, as an independent reference
/// for the vectorised tensor code. Views are indexed (sample, view).
/// </summary>
internal static class NaiveContrast
{
    /// <summary>−log(exp(s_ip/τ) / Σ_{a≠i, a active} exp(s_ia/τ)) for anchor view i and positive p.</summary>
    public static double PairLoss(double[][][] z, (int n, int v) i, (int n, int v) p, double tau, bool[]? active = null)
    {
        double denom = 0;
        for (int n = 0; n < z.Length; n++)
        {
            if (active is not null && !active[n]) continue;
            for (int v = 0; v < z[n].Length; v++)
                if ((n, v) != i) denom += Math.Exp(Dot(z[i.n][i.v], z[n][v]) / tau);
        }
        return -(Dot(z[i.n][i.v], z[p.n][p.v]) / tau - Math.Log(denom));
    }

    /// <summary>
    /// The combined loss. <paramref name="same"/>[l](i, j): samples agree at level l (coarse → fine). Constraint: null,
    /// "pairwise" or "batch". <paramref name="perLevelZ"/>: features each level contrasts (default z for all).
    /// </summary>
    public static double Loss(double[][][] z, Func<int, int, bool>[] same, double tau = 0.1, double baseTau = 0.07,
        bool expWeights = false, string? constraint = null, bool inverseFrequency = false, bool reduce = false,
        double[]? sampleWeights = null, double[][][][]? perLevelZ = null)
    {
        var zAll = z;
        int n = z.Length, views = z[0].Length;
        var active = Enumerable.Repeat(true, n).ToArray();
        var finerPairMax = new double[n, views];
        double finerLevelMax = double.NegativeInfinity, total = 0;
        for (int level = same.Length - 1, k = 1; level >= 0; level--, k++)
        {
            z = perLevelZ?[level] ?? zAll;
            double weighted = 0, weightSum = 0;
            var newMax = (double[,])finerPairMax.Clone();
            for (int a = 0; a < n; a++)
            {
                if (!active[a]) continue;
                int classSize = Enumerable.Range(0, n).Count(b => active[b] && same[level](a, b));
                for (int av = 0; av < views; av++)
                {
                    double sum = 0; int count = 0;
                    for (int b = 0; b < n; b++)
                        for (int bv = 0; bv < views; bv++)
                        {
                            if (!active[b] || (a, av) == (b, bv) || !same[level](a, b)) continue;
                            double pl = PairLoss(z, (a, av), (b, bv), tau, active);
                            sum += constraint == "pairwise" ? Math.Max(pl, finerPairMax[a, av]) : pl;
                            newMax[a, av] = Math.Max(newMax[a, av], pl);
                            count++;
                        }
                    if (count == 0) continue;
                    double w = (inverseFrequency ? 1.0 / classSize : 1.0) * (sampleWeights?[a] ?? 1.0);
                    weighted += w * sum / count;
                    weightSum += w;
                }
            }
            finerPairMax = newMax;
            double levelLoss = tau / baseTau * weighted / weightSum;
            if (constraint == "batch") { levelLoss = Math.Max(levelLoss, finerLevelMax); finerLevelMax = levelLoss; }
            total += (expWeights ? Math.Exp(1.0 / k) : 1.0) * levelLoss;
            if (reduce)
                for (int a = 0; a < n; a++)
                    if (active[a] && Enumerable.Range(0, a).Any(b => active[b] && same[level](a, b))) active[a] = false;
        }
        return total / same.Length;
    }

    /// <summary>Prefix-equality level predicates from per-level label rows [N][L].</summary>
    public static Func<int, int, bool>[] Levels(long[][] labels) =>
        Enumerable.Range(0, labels[0].Length)
            .Select(l => (Func<int, int, bool>)((a, b) => Enumerable.Range(0, l + 1).All(j => labels[a][j] == labels[b][j])))
            .ToArray();

    public static double Dot(double[] x, double[] y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    public static double[] Unit(params double[] x)
    {
        double norm = Math.Sqrt(Dot(x, x));
        return x.Select(v => v / norm).ToArray();
    }
}
