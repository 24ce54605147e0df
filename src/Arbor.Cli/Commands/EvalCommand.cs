using System.CommandLine;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>`arbor eval`: metrics of a trained run on a split, with either decoding.</summary>
internal static class EvalCommand
{
    public static Command Build()
    {
        var run = SharedOptions.Run();
        var dataset = new Option<string?>("--dataset", "-d") { Description = "Evaluate on another dataset with the same hierarchy (default: the run's)" };
        var split = SharedOptions.Split("test");
        var decoding = SharedOptions.Decoding();
        var json = SharedOptions.Json("Print metrics.json-style JSON instead of a table");
        var device = DeviceOption.Create();
        var command = new Command("eval", "Evaluate a trained run; writes eval-<dataset>-<split>-<decoding>.json in the run folder.")
        {
            run, dataset, split, decoding, json, device,
        };
        command.SetAction(result =>
        {
            var @out = CommandOutput.Out(result);
            var decode = DecodingNames.Parse(result.GetValue(decoding)!);
            using var trained = TrainedRun.Open(result.GetValue(run)!, DeviceOption.Get(result, device));
            var splitName = result.GetValue(split)!;
            var report = trained.Evaluate(result.GetValue(dataset), splitName, decode,
                CommandOutput.Progress(result));
            report.Write(trained.Folder.File(FileName(report.Dataset, splitName, decode)));
            @out.WriteLine(result.GetValue(json) ? report.ToJson() : MetricsTable.Format(report));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// eval-&lt;dataset&gt;-&lt;split&gt;-&lt;decoding&gt;.json: evaluating another dataset or decoding never overwrites an
    /// earlier result. A dataset given as a path is named by its last component.
    /// </summary>
    internal static string FileName(string dataset, string split, Decoding decoding)
    {
        var name = Path.GetFileName(dataset.TrimEnd('/', '\\'));
        name = System.Text.RegularExpressions.Regex.Replace(name.Length == 0 ? dataset : name, "[^A-Za-z0-9._-]+", "-").Trim('-');
        return $"eval-{name}-{split}-{decoding.ToName()}.json";
    }
}
