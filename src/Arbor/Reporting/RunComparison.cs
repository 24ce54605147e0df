using System.Globalization;
using System.Text;
using System.Text.Json;
using Arbor.Evaluation;
using Arbor.IO;
using ScottPlot;

namespace Arbor.Reporting;

/// <summary>
/// Several runs side by side (`arbor compare`): their test metrics (metrics.json) as one table — top-1 per level, full path,
/// consistency, mistake severity — and one chart of top-1 per level and full-path accuracy, a bar per run. The runs must
/// have the same levels (same number and names), or the columns would mean different things.
/// </summary>
public sealed class RunComparison
{
    /// <summary>One compared run: its folder, a short name, and its test metrics.</summary>
    public sealed record Entry(string Folder, string Name, MetricsReport Metrics);

    public IReadOnlyList<Entry> Runs { get; }

    RunComparison(IReadOnlyList<Entry> runs) => Runs = runs;

    /// <summary>Reads the runs' metrics.json; a folder without one, or with other levels than the first, is refused.</summary>
    public static RunComparison Load(IReadOnlyList<string> runDirs)
    {
        if (runDirs.Count == 0) throw new ArborException("name at least one run folder to compare");
        var entries = new List<Entry>();
        foreach (var dir in runDirs)
        {
            var full = Path.GetFullPath(dir);
            if (!Directory.Exists(full)) throw new ArborException("run folder not found", full);
            var file = Path.Combine(full, "metrics.json");
            if (!File.Exists(file)) throw new ArborException("no metrics.json: the run has not finished (or is not a run folder)", full);
            entries.Add(new Entry(full, Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)), MetricsReport.Read(file)));
        }
        var first = entries[0].Metrics.Levels.Select(l => l.Name).ToArray();
        foreach (var e in entries.Skip(1))
            if (!e.Metrics.Levels.Select(l => l.Name).SequenceEqual(first))
                throw new ArborException($"its levels ({string.Join(", ", e.Metrics.Levels.Select(l => l.Name))}) differ from " +
                                         $"{entries[0].Name}'s ({string.Join(", ", first)}); only runs on the same hierarchy compare", e.Folder);
        // Two folders with the same name (a/run, b/run) would be ambiguous in the table: use the longer relative path then.
        var names = entries.Select(e => entries.Count(o => o.Name == e.Name) > 1 ? Path.GetRelativePath(Environment.CurrentDirectory, e.Folder) : e.Name).ToArray();
        return new RunComparison(entries.Select((e, i) => e with { Name = names[i] }).ToArray());
    }

    IReadOnlyList<LevelMetrics> Levels => Runs[0].Metrics.Levels;

    /// <summary>A plain-text table, one row per run.</summary>
    public string Table()
    {
        var c = CultureInfo.InvariantCulture;
        int nameWidth = Math.Max(3, Runs.Max(r => r.Name.Length));
        var columns = new List<string> { "method", "decoding" };
        columns.AddRange(Levels.Select(l => $"{l.Name} top-1"));
        columns.AddRange(new[] { "full path", "consistency", "severity" });
        var widths = columns.Select(h => Math.Max(h.Length, 11)).ToArray();
        var text = new StringBuilder();
        text.Append("run".PadRight(nameWidth));
        for (int i = 0; i < columns.Count; i++) text.Append("  ").Append(columns[i].PadLeft(widths[i]));
        text.AppendLine();
        foreach (var r in Runs)
        {
            var m = r.Metrics;
            var cells = new List<string> { m.Method, m.Decoding };
            cells.AddRange(m.Levels.Select(l => HtmlReport.Pct(l.Top1)));
            cells.Add(HtmlReport.Pct(m.FullPath));
            cells.Add(HtmlReport.Pct(m.Consistency));
            cells.Add(m.MistakeSeverity.ToString("0.000", c));
            text.Append(r.Name.PadRight(nameWidth));
            for (int i = 0; i < cells.Count; i++) text.Append("  ").Append(cells[i].PadLeft(widths[i]));
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <summary>JSON: <c>[ { "run", "folder", "metrics": metrics.json } ]</c>.</summary>
    public string Json() => JsonSerializer.Serialize(Runs.Select(r => new { run = r.Name, folder = r.Folder, metrics = r.Metrics }),
        new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The chart: top-1 per level and full path, one bar per run in each group (PNG bytes).</summary>
    public byte[] Chart()
    {
        var plot = PlotStyle.NewPlot();
        var palette = new ScottPlot.Palettes.Category10();
        int groups = Levels.Count + 1, n = Runs.Count;
        double width = 0.8 / n;
        var bars = new List<Bar>();
        for (int r = 0; r < n; r++)
        {
            var m = Runs[r].Metrics;
            var values = m.Levels.Select(l => l.Top1).Append(m.FullPath).ToArray();
            for (int g = 0; g < groups; g++)
                bars.Add(new Bar
                {
                    Position = g - 0.4 + width * (r + 0.5), Value = values[g] * 100, Size = width * 0.95,
                    FillColor = palette.GetColor(r), Label = (values[g] * 100).ToString("0.0", CultureInfo.InvariantCulture),
                });
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"{Runs[r].Name} ({m.Method})", FillColor = palette.GetColor(r) });
        }
        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = n <= 3 ? 10 : 8;
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups).Select(g => (double)g).ToArray(),
            Levels.Select(l => $"{l.Level}: {l.Name} ({l.Classes})").Append("full path").ToArray());
        plot.Axes.SetLimitsY(0, 110);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("test top-1 (%)");
        plot.Title($"{n} runs: test top-1 per level");
        plot.ShowLegend(Alignment.UpperRight);
        return PlotStyle.Png(plot, Math.Max(760, 160 * groups * Math.Max(1, n / 2)), 460);
    }

    /// <summary>A self-contained HTML page with the table (one metrics table per run) and the chart.</summary>
    public void WriteHtml(string path)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Arbor: comparison of runs</title><style>" +
                    "body{font-family:system-ui,\"DejaVu Sans\",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}" +
                    "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}th{background:#f4f4f4}" +
                    "td.n{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%}</style></head><body>\n");
        html.Append($"<h1>Comparison of {Runs.Count} runs</h1>\n<table><tr><th>run</th><th>method</th><th>dataset</th><th>decoding</th>");
        foreach (var l in Levels) html.Append($"<th>{HtmlReport.E(l.Name)} top-1</th>");
        html.Append("<th>full path</th><th>consistency</th><th>severity</th></tr>\n");
        foreach (var r in Runs)
        {
            var m = r.Metrics;
            html.Append($"<tr><td title=\"{HtmlReport.E(r.Folder)}\">{HtmlReport.E(r.Name)}</td><td>{HtmlReport.E(m.Method)}</td>" +
                        $"<td>{HtmlReport.E(m.Dataset)}</td><td>{HtmlReport.E(m.Decoding)}</td>");
            foreach (var l in m.Levels) html.Append($"<td class=n>{HtmlReport.Pct(l.Top1)}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td class=n>{HtmlReport.Pct(m.FullPath)}</td><td class=n>{HtmlReport.Pct(m.Consistency)}</td><td class=n>{m.MistakeSeverity:0.000}</td></tr>\n");
        }
        html.Append($"</table>\n<img alt=\"test top-1 per level\" src=\"data:image/png;base64,{Convert.ToBase64String(Chart())}\">\n</body></html>\n");
        AtomicFile.WriteAllText(path, html.ToString());
    }
}
