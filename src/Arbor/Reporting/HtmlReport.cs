using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Arbor.Evaluation;
using Arbor.IO;

namespace Arbor.Reporting;

/// <summary>
/// report.html: one self-contained page per run (no external files, images inline as data URIs) — the model card
/// (method, data, hierarchy, training settings, from config.json), the command that made it, the test metrics and every
/// other evaluation in the folder, the epoch table, and all pictures of plots/.
/// </summary>
public static class HtmlReport
{
    public const string FileName = "report.html";

    /// <summary>Builds the page from the run folder's files and writes it atomically to <paramref name="outPath"/>.</summary>
    public static void Write(string runDir, string outPath, string? hierarchySummary = null)
    {
        AtomicFile.WriteAllText(outPath, Build(runDir, hierarchySummary));
    }

    /// <summary>The page's HTML.</summary>
    public static string Build(string runDir, string? hierarchySummary = null)
    {
        var configFile = Path.Combine(runDir, "config.json");
        if (!File.Exists(configFile)) throw new ArborException("not a run folder: config.json is missing", runDir);
        using var config = ParseJson(configFile);
        var c = config.RootElement;
        string Field(string name) => c.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "";
        var metricsFile = Path.Combine(runDir, "metrics.json");
        var metrics = File.Exists(metricsFile) ? MetricsReport.Read(metricsFile) : null;

        var html = new StringBuilder();
        var title = $"{Field("method")} on {Field("dataset")}";
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Arbor run: {{E(title)}}</title>
            <style>
            body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
            h1 { margin-bottom: .2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
            table { border-collapse: collapse; margin: .5rem 0; } td, th { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
            th { background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
            pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
            figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eee; } figcaption { color: #555; font-size: .9rem; }
            .muted { color: #666; }
            </style></head><body>
            <h1>{{E(title)}}</h1>
            <p class="muted">Run folder <code>{{E(Path.GetFullPath(runDir))}}</code>; report made {{DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}} UTC by <code>arbor report</code>.</p>

            """);

        html.Append("<h2>Model card</h2>\n<table>\n");
        void Row(string key, string value)
        {
            if (value.Length > 0) html.Append($"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>\n");
        }
        Row("method", Field("method"));
        Row("dataset", Field("dataset"));
        Row("hierarchy", hierarchySummary ?? Field("hierarchy"));
        Row("backbone", Field("backbone"));
        Row("CLIP checkpoint", Field("clip_path"));
        Row("HGCLIP parts", Field("parts"));
        Row("input", Field("image_size").Length > 0 ? $"{Field("channels")} × {Field("image_size")} × {Field("image_size")} px, normalisation {Field("normalization")}" : "");
        Row("epochs", Field("epochs"));
        Row("batch size", Field("batch_size"));
        Row("optimizer", Join(Field("optimizer"), Prefixed("lr ", Field("learning_rate")), Prefixed("weight decay ", Field("weight_decay")),
            Prefixed("warm-up epochs ", Field("warmup_epochs"))));
        Row("temperature", Field("temperature"));
        Row("probe epochs", Field("probe_epochs"));
        Row("validation fraction", Field("validation_fraction"));
        Row("training images limit", Field("train_limit"));
        Row("seed", Field("seed"));
        html.Append("</table>\n");
        html.Append("<details><summary>config.json</summary><pre>").Append(E(File.ReadAllText(configFile))).Append("</pre></details>\n");

        var log = Path.Combine(runDir, "train.log");
        var commands = File.Exists(log)
            ? File.ReadLines(log).Select(l => l.IndexOf(" command: ", StringComparison.Ordinal) is var i && i >= 0 ? l[(i + 10)..] : null).OfType<string>().ToArray()
            : Array.Empty<string>();
        html.Append("<h2>Command</h2>\n");
        html.Append(commands.Length == 0 ? "<p class=\"muted\">not recorded (the run was not made by the command line)</p>\n"
            : "<pre>" + E(string.Join("\n", commands)) + "</pre>\n");

        html.Append("<h2>Test metrics</h2>\n");
        if (metrics is null) html.Append("<p class=\"muted\">no metrics.json: the run has not finished</p>\n");
        else AppendMetrics(html, metrics);
        foreach (var eval in Directory.GetFiles(runDir, "eval-*.json").Order(StringComparer.Ordinal))
        {
            html.Append($"<h3>{E(Path.GetFileName(eval))}</h3>\n");
            AppendMetrics(html, MetricsReport.Read(eval));
        }

        var csv = Path.Combine(runDir, EpochLog.FileName);
        if (File.Exists(csv))
        {
            var (levels, rows) = EpochLog.ReadWithLevels(csv);
            html.Append($"<h2>Training</h2>\n<p>{rows.Count} epochs, {rows.Sum(r => r.Seconds) / 60:0.0} min of training " +
                        $"(validation excluded); best epoch {E(rows.LastOrDefault(r => r.IsBest)?.Epoch.ToString(CultureInfo.InvariantCulture) ?? "—")} " +
                        "(highest mean validation top-1; its weights are the model).</p>\n");
            html.Append("<details><summary>metrics.csv</summary><table><tr><th>epoch</th><th>loss</th><th>lr</th><th>seconds</th><th>RSS MiB</th>");
            foreach (var l in levels) html.Append($"<th>val {E(l)}</th>");
            html.Append("<th>best</th></tr>\n");
            foreach (var r in rows)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td class=n>{r.Epoch}</td><td class=n>{r.Loss:0.0000}</td><td class=n>{r.LearningRate:G3}</td>" +
                                                          $"<td class=n>{r.Seconds:0.0}</td><td class=n>{r.ResidentMiB:0}</td>");
                foreach (var v in r.LevelTop1) html.Append($"<td class=n>{(v is { } x ? Pct(x) : "")}</td>");
                html.Append($"<td>{(r.IsBest ? "*" : "")}</td></tr>\n");
            }
            html.Append("</table></details>\n");
        }

        var pictures = RunPlots.Existing(runDir);
        html.Append("<h2>Pictures</h2>\n");
        if (pictures.Count == 0) html.Append("<p class=\"muted\">no pictures in plots/</p>\n");
        foreach (var p in pictures)
        {
            var bytes = File.ReadAllBytes(Path.Combine(runDir, RunPlots.FolderName, p.File));
            html.Append($"<figure><img alt=\"{E(p.Title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(bytes)}\">" +
                        $"<figcaption>{E(p.Title)} ({E(p.File)})</figcaption></figure>\n");
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>A metrics table: one row per level, then full path, consistency and mistake severity.</summary>
    internal static void AppendMetrics(StringBuilder html, MetricsReport m)
    {
        html.Append($"<p>{E(m.Method)} on {E(m.Dataset)}, {E(m.Split)} split, {m.Samples} images, {E(m.Decoding)} decoding.</p>\n");
        html.Append("<table><tr><th>level</th><th>name</th><th>classes</th><th>top-1</th><th>top-5</th></tr>\n");
        foreach (var l in m.Levels)
            html.Append($"<tr><td class=n>{l.Level}</td><td>{E(l.Name)}</td><td class=n>{l.Classes}</td><td class=n>{Pct(l.Top1)}</td><td class=n>{Pct(l.Top5)}</td></tr>\n");
        html.Append($"<tr><th colspan=3>full path (every level right)</th><td class=n>{Pct(m.FullPath)}</td><td></td></tr>\n");
        html.Append($"<tr><th colspan=3>consistency (predictions form a valid path)</th><td class=n>{Pct(m.Consistency)}</td><td></td></tr>\n");
        html.Append(CultureInfo.InvariantCulture, $"<tr><th colspan=3>mistake severity (mean LCA height of wrong leaves)</th><td class=n>{m.MistakeSeverity:0.000}</td><td></td></tr>\n");
        html.Append("</table>\n");
    }

    static JsonDocument ParseJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new ArborException($"malformed JSON: {e.Message}", path, e); }
    }

    static string Prefixed(string prefix, string value) => value.Length == 0 ? "" : prefix + value;
    static string Join(params string[] parts) => string.Join(", ", parts.Where(p => p.Length > 0));
    internal static string Pct(double x) => (x * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
    internal static string E(string s) => WebUtility.HtmlEncode(s);
}
