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
        var run = new Option<string>("--run", "-r") { Description = "Run folder written by `arbor train`", Required = true };
        var dataset = new Option<string?>("--dataset", "-d") { Description = "Evaluate on another dataset with the same hierarchy (default: the run's)" };
        var split = new Option<string>("--split") { Description = "train | validation | test", DefaultValueFactory = _ => "test" };
        var decoding = new Option<string>("--decoding") { Description = "independent (per-level argmax) | consistent (best valid path)", DefaultValueFactory = _ => "independent" };
        var json = new Option<bool>("--json") { Description = "Print metrics.json-style JSON instead of a table" };
        var device = DeviceOption.Create();
        var command = new Command("eval", "Evaluate a trained run; writes eval-<split>-<decoding>.json in the run folder.")
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
            report.Write(trained.Folder.File($"eval-{splitName}-{decode.ToName()}.json"));
            @out.WriteLine(result.GetValue(json) ? report.ToJson() : MetricsTable.Format(report));
            return 0;
        });
        return command;
    }
}
