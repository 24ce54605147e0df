namespace Arbor.Tests.Contrastive;

/// <summary>
/// An independent, loop-by-loop port of the HMLC reference's loss (salesforce/hierarchicalContrastiveLearning,
/// losses/losses.py) in plain doubles, for comparison with Arbor's vectorised kernel. The reference receives labels
/// <c>[levels…, instance id]</c>; for l = 1 … L it zeroes the last l columns, contrasts the samples whose masked rows are
/// equal (SupCon over all views), applies the loss type (hmc: λ = e^{1/l}; hce: max with the finer levels' maximum, unit
/// weight; hmce: both), then keeps one sample per distinct masked row (its first occurrence) and goes on; the sum is divided
/// by the number of label columns (L + 1).
/// </summary>
internal static class ReferenceHmlc
{
    /// <param name="z">[sample][view][dim], L2-normalised.</param>
    /// <param name="levels">[sample][level] class ids, coarse → fine.</param>
    /// <param name="lossType">"hmc", "hce" or "hmce".</param>
    public static double Loss(double[][][] z, int[][] levels, string lossType, double temperature, double baseTemperature = 0.07)
    {
        int depth = levels[0].Length;
        int columns = depth + 1;
        // Labels as the reference sees them: the hierarchy path plus an instance id.
        var labels = levels.Select((row, i) => row.Append(i).ToArray()).ToList();
        var features = z.ToList();
        double cumulative = 0, maxLowerLayer = double.NegativeInfinity;
        for (int l = 1; l < columns; l++)
        {
            int kept = columns - l;   // columns that survive the mask
            var layer = labels.Select(row => row.Select((v, c) => c < kept ? v : 0).ToArray()).ToList();
            bool Same(int i, int j) => layer[i].SequenceEqual(layer[j]);
            double layerLoss = SupCon(features, Same, temperature, baseTemperature);
            double penalty = Math.Exp(1.0 / l);
            switch (lossType)
            {
                case "hmc": cumulative += penalty * layerLoss; break;
                case "hce": layerLoss = Math.Max(maxLowerLayer, layerLoss); cumulative += layerLoss; break;
                case "hmce": layerLoss = Math.Max(maxLowerLayer, layerLoss); cumulative += penalty * layerLoss; break;
                default: throw new ArgumentException(lossType);
            }
            maxLowerLayer = Math.Max(maxLowerLayer, layerLoss);
            // unique(layer_labels): one sample per distinct row, the first occurrence; the loss does not depend on order.
            var firsts = Enumerable.Range(0, layer.Count).Where(i => Enumerable.Range(0, i).All(j => !Same(i, j))).ToArray();
            labels = firsts.Select(i => labels[i]).ToList();
            features = firsts.Select(i => features[i]).ToList();
        }
        return cumulative / columns;
    }

    /// <summary>SupConLoss.forward with a mask, contrast_mode 'all'.</summary>
    static double SupCon(IReadOnlyList<double[][]> features, Func<int, int, bool> same, double t, double tBase)
    {
        int n = features.Count, views = features[0].Length, m = n * views;
        var all = Enumerable.Range(0, m).Select(a => features[a % n][a / n]).ToArray();   // view-major: row v·n + i
        double total = 0;
        for (int i = 0; i < m; i++)
        {
            var logits = Enumerable.Range(0, m).Select(a => Dot(all[i], all[a]) / t).ToArray();
            double max = logits.Max();
            double denominator = Enumerable.Range(0, m).Where(a => a != i).Sum(a => Math.Exp(logits[a] - max));
            double sum = 0; int count = 0;
            for (int a = 0; a < m; a++)
            {
                if (a == i || !same(i % n, a % n)) continue;
                sum += logits[a] - max - Math.Log(denominator);
                count++;
            }
            total += -(t / tBase) * sum / count;
        }
        return total / m;
    }

    static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
