using System.CommandLine;
using Arbor.IO;
using Arbor.Reporting;

namespace Arbor.Cli.Commands;

/// <summary>`arbor compare RUN…`: the runs' test metrics as one table, and a chart (PNG) or page (HTML) on request.</summary>
internal static class CompareCommand
{
    public static Command Build()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run folders (each with a metrics.json)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out", "-o") { Description = "Also write a self-contained HTML page with the table and the chart" };
        var chart = new Option<string?>("--chart") { Description = "Also write the chart as a PNG file" };
        var json = new Option<bool>("--json") { Description = "Print JSON (each run's metrics.json) instead of a table" };
        var command = new Command("compare", "Compare runs on the same hierarchy: test top-1 per level, full path, consistency, mistake severity.")
        {
            runs, output, chart, json,
        };
        command.SetAction(result =>
        {
            var comparison = RunComparison.Load(result.GetValue(runs)!);
            var o = CommandOutput.Out(result);
            o.Write(result.GetValue(json) ? comparison.Json() + "\n" : comparison.Table());
            if (result.GetValue(chart) is { } png)
            {
                AtomicFile.WriteAllBytes(png, comparison.Chart());
                if (!result.GetValue(json)) o.WriteLine($"wrote {png}");
            }
            if (result.GetValue(output) is { } html)
            {
                comparison.WriteHtml(html);
                if (!result.GetValue(json)) o.WriteLine($"wrote {html}");
            }
            return 0;
        });
        return command;
    }
}
