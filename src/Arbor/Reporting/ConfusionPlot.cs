using Arbor.Evaluation;
using ScottPlot;

namespace Arbor.Reporting;

/// <summary>
/// One level's confusion matrix as a picture: a heatmap of row-normalised counts (each true class's share of predictions)
/// with every class named when the level has at most <see cref="MaxHeatmapClasses"/> classes; above that, a bar chart of
/// the most-confused (true → predicted) pairs, since a 1,000-row heatmap cannot be read.
/// </summary>
public static class ConfusionPlot
{
    /// <summary>Largest level drawn as a labelled heatmap.</summary>
    public const int MaxHeatmapClasses = 100;

    /// <summary>Pairs listed for larger levels.</summary>
    public const int TopPairs = 30;

    /// <summary>PNG bytes of the picture for <paramref name="matrix"/>.</summary>
    public static byte[] Render(ConfusionMatrix matrix) =>
        matrix.Classes <= MaxHeatmapClasses ? Heatmap(matrix) : MostConfused(matrix);

    static byte[] Heatmap(ConfusionMatrix m)
    {
        int n = m.Classes;
        var share = new double[n, n];
        for (int t = 0; t < n; t++)
        {
            double row = 0;
            for (int p = 0; p < n; p++) row += m[t, p];
            for (int p = 0; p < n; p++) share[t, p] = row == 0 ? double.NaN : 100.0 * m[t, p] / row;
        }
        var plot = PlotStyle.NewPlot();
        var heatmap = plot.Add.Heatmap(share);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (t, p) centred on x = p, y = n-1-t: the first true class is the top row, as in every confusion matrix.
        heatmap.Position = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        heatmap.ManualRange = new ScottPlot.Range(0, 100);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "% of the true class";
        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var names = m.ClassNames.Select(Short).ToArray();
        plot.Axes.Bottom.SetTicks(positions, names);
        plot.Axes.Left.SetTicks(positions.Select(p => n - 1 - p).ToArray(), names);
        float fontSize = n <= 12 ? 12 : n <= 30 ? 10 : n <= 60 ? 8 : 6;
        plot.Axes.Bottom.TickLabelStyle.Rotation = -60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.FontSize = fontSize;
        plot.Axes.Left.TickLabelStyle.FontSize = fontSize;
        plot.Axes.Bottom.MinimumSize = n <= 12 ? 120 : 160;
        plot.Axes.Left.MinimumSize = n <= 12 ? 120 : 160;
        if (n <= 12) Annotate(plot, m, share);
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.HideGrid();
        plot.Title($"Confusion, level {m.Level} ({m.Name}, {n} classes): rows true, columns predicted");
        plot.XLabel("predicted");
        plot.YLabel("true");
        int side = Math.Clamp(260 + n * 14, 560, 1600);
        return PlotStyle.Png(plot, side + 120, side);
    }

    // Small matrices get each cell's share written in it.
    static void Annotate(Plot plot, ConfusionMatrix m, double[,] share)
    {
        int n = m.Classes;
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
            {
                if (double.IsNaN(share[t, p]) || m[t, p] == 0) continue;
                var label = plot.Add.Text(share[t, p].ToString(share[t, p] >= 10 ? "0" : "0.0", System.Globalization.CultureInfo.InvariantCulture),
                    p, n - 1 - t);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 11;
                label.LabelFontColor = share[t, p] > 60 ? Colors.Black : Colors.White;
            }
    }

    static byte[] MostConfused(ConfusionMatrix m)
    {
        var pairs = MostConfusedPairs(m, TopPairs);
        var plot = PlotStyle.NewPlot();
        var bars = pairs.Select((pair, i) => new Bar
        {
            Position = pairs.Count - 1 - i, Value = pair.Count, FillColor = Colors.SteelBlue,
        }).ToArray();
        plot.Add.Bars(bars);
        plot.Axes.Left.SetTicks(bars.Select(b => b.Position).ToArray(),
            pairs.Select(p => $"{Short(p.Truth)} → {Short(p.Predicted)}").ToArray());
        plot.Axes.Left.TickLabelStyle.FontSize = 10;
        plot.Axes.Left.MinimumSize = 260;
        plot.Axes.Margins(bottom: 0);
        plot.Title($"Most confused pairs, level {m.Level} ({m.Name}, {m.Classes} classes): true → predicted");
        plot.XLabel("test images");
        return PlotStyle.Png(plot, 900, 140 + 22 * Math.Max(1, pairs.Count));
    }

    /// <summary>The <paramref name="count"/> largest off-diagonal cells, largest first (ties by class order).</summary>
    public static IReadOnlyList<(string Truth, string Predicted, long Count)> MostConfusedPairs(ConfusionMatrix m, int count)
    {
        var best = new PriorityQueue<(int T, int P, long C), (long, int)>();
        for (int t = 0; t < m.Classes; t++)
            for (int p = 0; p < m.Classes; p++)
            {
                if (t == p || m[t, p] == 0) continue;
                best.Enqueue((t, p, m[t, p]), (m[t, p], -(t * m.Classes + p)));
                if (best.Count > count) best.Dequeue();
            }
        var list = new List<(string, string, long)>();
        while (best.TryDequeue(out var cell, out _)) list.Add((m.ClassNames[cell.T], m.ClassNames[cell.P], cell.C));
        list.Reverse();
        return list;
    }

    static string Short(string name) => name.Length <= 22 ? name : name[..21] + "…";
}
