using ScottPlot;

namespace Arbor.Reporting;

/// <summary>Training curves from metrics.csv: loss, per-level validation top-1, and the learning rate, one panel each.</summary>
public static class TrainingCurvesPlot
{
    /// <summary>The loss panel (PNG bytes); best epochs are marked.</summary>
    public static byte[] Loss(IReadOnlyList<EpochRow> rows)
    {
        var plot = PlotStyle.NewPlot();
        var x = rows.Select(r => (double)r.Epoch).ToArray();
        var line = plot.Add.Scatter(x, rows.Select(r => r.Loss).ToArray());
        line.LegendText = "training loss";
        MarkBest(plot, rows, rows.Select(r => r.Loss).ToArray());
        plot.Title("Training loss");
        plot.XLabel("epoch");
        plot.YLabel("mean loss per batch");
        IntegerEpochTicks(plot, x);
        return PlotStyle.Png(plot, 720, 400);
    }

    /// <summary>Validation top-1 per level (percent) and their mean; null when no epoch had per-level validation.</summary>
    public static byte[]? Validation(IReadOnlyList<EpochRow> rows, IReadOnlyList<string> levelNames)
    {
        if (rows.All(r => r.LevelTop1.All(v => v is null))) return null;
        var plot = PlotStyle.NewPlot();
        var x = rows.Select(r => (double)r.Epoch).ToArray();
        for (int l = 0; l < levelNames.Count; l++)
        {
            var line = plot.Add.Scatter(x, rows.Select(r => (r.LevelTop1[l] ?? double.NaN) * 100).ToArray());
            line.LegendText = $"level {l + 1}: {levelNames[l]}";
        }
        var mean = rows.Select(r => (r.ValidationScore ?? double.NaN) * 100).ToArray();
        var meanLine = plot.Add.Scatter(x, mean);
        meanLine.LegendText = "mean (selects the best epoch)";
        meanLine.LinePattern = LinePattern.Dashed;
        meanLine.Color = Colors.Black;
        MarkBest(plot, rows, mean);
        plot.Title("Validation top-1 per level");
        plot.XLabel("epoch");
        plot.YLabel("top-1 (%)");
        plot.ShowLegend(Alignment.LowerRight);
        IntegerEpochTicks(plot, x);
        return PlotStyle.Png(plot, 720, 400);
    }

    /// <summary>The learning rate at the end of each epoch.</summary>
    public static byte[] LearningRate(IReadOnlyList<EpochRow> rows)
    {
        var plot = PlotStyle.NewPlot();
        var x = rows.Select(r => (double)r.Epoch).ToArray();
        plot.Add.Scatter(x, rows.Select(r => r.LearningRate).ToArray());
        plot.Title("Learning rate (end of epoch)");
        plot.XLabel("epoch");
        plot.YLabel("learning rate");
        IntegerEpochTicks(plot, x);
        return PlotStyle.Png(plot, 720, 300);
    }

    static void MarkBest(Plot plot, IReadOnlyList<EpochRow> rows, double[] y)
    {
        var best = rows.Select((r, i) => (r, i)).Where(p => p.r.IsBest).ToArray();
        if (best.Length == 0) return;
        var marks = plot.Add.ScatterPoints(best.Select(p => (double)p.r.Epoch).ToArray(), best.Select(p => y[p.i]).ToArray());
        marks.MarkerShape = MarkerShape.OpenCircle;
        marks.MarkerSize = 12;
        marks.Color = Colors.Black;
        marks.LegendText = "new best epoch";
    }

    static void IntegerEpochTicks(Plot plot, double[] epochs)
    {
        if (epochs.Length == 0 || epochs.Length > 30) return;
        plot.Axes.Bottom.SetTicks(epochs, epochs.Select(e => e.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }
}
