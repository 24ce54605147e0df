using Arbor.Evaluation;
using Arbor.Hierarchy;
using ScottPlot;

namespace Arbor.Reporting;

/// <summary>
/// Per-level accuracy bars (top-1 and top-5, plus full-path accuracy) and how bad the mistakes are: the wrong leaf
/// predictions counted by the height of their lowest common ancestor with the truth (1 = a sibling under the same parent,
/// the tree's depth = a different root), computed from the leaf-level confusion matrix.
/// </summary>
public static class LevelAccuracyPlot
{
    /// <summary>Top-1 / top-5 per level and full-path accuracy, in percent.</summary>
    public static byte[] Accuracy(MetricsReport report)
    {
        var plot = PlotStyle.NewPlot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var ticks = new List<(double, string)>();
        for (int i = 0; i < report.Levels.Count; i++)
        {
            var l = report.Levels[i];
            double center = i * 3 + 0.5;
            bars.Add(new Bar { Position = center - 0.4, Value = l.Top1 * 100, FillColor = palette.GetColor(0), Size = 0.8, Label = Percent(l.Top1) });
            bars.Add(new Bar { Position = center + 0.4, Value = l.Top5 * 100, FillColor = palette.GetColor(1), Size = 0.8, Label = Percent(l.Top5) });
            ticks.Add((center, $"{l.Level}: {l.Name} ({l.Classes})"));
        }
        double full = report.Levels.Count * 3 + 0.5;
        bars.Add(new Bar { Position = full, Value = report.FullPath * 100, FillColor = palette.GetColor(2), Size = 0.8, Label = Percent(report.FullPath) });
        ticks.Add((full, "full path"));
        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 11;
        plot.Axes.Bottom.SetTicks(ticks.Select(t => t.Item1).ToArray(), ticks.Select(t => t.Item2).ToArray());
        plot.Axes.SetLimitsY(0, 108);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("accuracy (%)");
        plot.Title($"Accuracy per level, {report.Split} split ({report.Decoding} decoding)");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "top-1", FillColor = palette.GetColor(0) });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "top-5", FillColor = palette.GetColor(1) });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "full path (every level right)", FillColor = palette.GetColor(2) });
        plot.ShowLegend(Alignment.UpperRight);
        return PlotStyle.Png(plot, 760, 420);
    }

    /// <summary>Wrong leaf predictions per LCA height (index 0 = height 1); the counts sum to the wrong leaves.</summary>
    public static long[] SeverityCounts(ClassHierarchy hierarchy, ConfusionMatrix leaves)
    {
        if (leaves.Classes != hierarchy.LeafCount)
            throw new ArborException($"the leaf confusion matrix has {leaves.Classes} classes, the hierarchy '{hierarchy.Name}' has {hierarchy.LeafCount} leaves");
        var counts = new long[hierarchy.Depth];
        for (int t = 0; t < leaves.Classes; t++)
            for (int p = 0; p < leaves.Classes; p++)
                if (t != p && leaves[t, p] > 0) counts[hierarchy.LcaHeight(t, p) - 1] += leaves[t, p];
        return counts;
    }

    /// <summary>Bars of wrong leaf predictions by mistake severity (LCA height), with the mean in the title.</summary>
    public static byte[] Severity(ClassHierarchy hierarchy, ConfusionMatrix leaves, double meanSeverity)
    {
        var counts = SeverityCounts(hierarchy, leaves);
        long wrong = counts.Sum();
        var plot = PlotStyle.NewPlot();
        var bars = counts.Select((c, i) => new Bar
        {
            Position = i + 1, Value = c, FillColor = Colors.IndianRed,
            Label = wrong == 0 ? "0" : $"{c} ({100.0 * c / wrong:0.#}%)",
        }).ToArray();
        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 11;
        plot.Axes.Bottom.SetTicks(bars.Select(b => b.Position).ToArray(), Enumerable.Range(1, hierarchy.Depth).Select(h =>
            h == 1 ? "1: same parent" : h == hierarchy.Depth ? $"{h}: different {hierarchy.LevelNames[0]}" : $"{h}: same {hierarchy.LevelNames[hierarchy.Depth - 1 - h]}").ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsY(0, Math.Max(1, counts.Max()) * 1.15);
        plot.XLabel("height of the lowest common ancestor of predicted and true leaf");
        plot.YLabel("wrong leaf predictions");
        plot.Title($"Mistake severity: {wrong} wrong leaves, mean LCA height {meanSeverity:0.000}");
        return PlotStyle.Png(plot, 760, 400);
    }

    static string Percent(double fraction) => (fraction * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
