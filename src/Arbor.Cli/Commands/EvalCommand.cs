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
        var dataset = new Option<string?>("--dataset", "-d") { Description = "Evaluate on another dataset with the run's classes: a name, folder tree or manifest .csv (default: the run's)" };
        var split = new Option<string>("--split") { Description = "train | validation | test", DefaultValueFactory = _ => "test" };
        var decoding = new Option<string>("--decoding") { Description = "independent (per-level argmax) | consistent (best valid path)", DefaultValueFactory = _ => "independent" };
        var json = new Option<bool>("--json") { Description = "Print metrics.json-style JSON instead of a table" };
        var clip = new Option<string?>("--clip") { Description = "The CLIP folder of a CLIP method's run, when it moved (its content must match the run's)" };
        var skipBad = new Option<bool>("--skip-bad-images") { Description = "Leave out image files that do not decode instead of stopping" };
        var command = new Command("eval", "Evaluate a trained run; writes eval-<split>-<decoding>.json in the run folder.")
        {
            run, dataset, split, decoding, json, clip, skipBad,
        };
        command.SetAction(result =>
        {
            var @out = CommandOutput.Out(result);
            var decode = DecodingNames.Parse(result.GetValue(decoding)!);
            using var trained = TrainedRun.Open(result.GetValue(run)!, result.GetValue(clip));
            var splitName = result.GetValue(split)!;
            var report = trained.Evaluate(result.GetValue(dataset), splitName, decode,
                // With --json, standard output holds only the JSON: progress and data notes go to standard error.
                result.GetValue(json) ? new ProgressReporter(CommandOutput.Err(result), false)
                    : new ProgressReporter(@out, CommandOutput.IsInteractive(result)), result.GetValue(skipBad));
            var file = trained.Folder.File($"eval-{splitName}-{decode.ToName()}.json");
            RunFolder.WriteGuard(file, () => report.Write(file));
            @out.WriteLine(result.GetValue(json) ? report.ToJson() : MetricsTable.Format(report));
            return 0;
        });
        return command;
    }
}
