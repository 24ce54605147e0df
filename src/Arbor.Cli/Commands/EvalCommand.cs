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
        var dataset = new Option<string?>("--dataset", "-d") { Description = "Evaluate on another dataset with the run's classes: a name, folder tree or manifest .csv (default: the run's)" };
        var split = SharedOptions.Split("test");
        var decoding = SharedOptions.Decoding();
        var json = SharedOptions.Json("Print metrics.json-style JSON instead of a table");
        var clip = new Option<string?>("--clip") { Description = "The CLIP folder of a CLIP method's run, when it moved (its content must match the run's)" };
        var skipBad = new Option<bool>("--skip-bad-images") { Description = "Leave out image files that do not decode instead of stopping" };
        var imageSize = SharedOptions.ImageSize(SharedOptions.RunInputDefaults);
        var channels = SharedOptions.Channels(SharedOptions.RunInputDefaults);
        var device = DeviceOption.Create();
        var precision = PrecisionOption.Create("the run's own");
        var command = new Command("eval", "Evaluate a trained run; writes eval-<dataset>-<split>-<decoding>.json in the run folder.")
        {
            run, dataset, split, decoding, json, clip, skipBad, imageSize, channels, device, precision,
        };
        command.SetAction(result =>
        {
            var @out = CommandOutput.Out(result);
            var decode = DecodingNames.Parse(result.GetValue(decoding)!);
            using var trained = TrainedRun.Open(result.GetValue(run)!, result.GetValue(clip), DeviceOption.Get(result, device),
                PrecisionOption.Get(result, precision));
            if (result.GetValue(precision) is not null || trained.Precision.Precision != Training.Precision.Fp32)
                CommandOutput.Progress(result).Line(trained.Precision.ToString());
            if (trained.UseInput(result.GetValue(imageSize), result.GetValue(channels)) is { } note) CommandOutput.Err(result).WriteLine(note);
            var splitName = result.GetValue(split)!;
            var report = trained.Evaluate(result.GetValue(dataset), splitName, decode,
                CommandOutput.Progress(result), result.GetValue(skipBad));
            // Read at another side than the run's: its own file, so the run-size result is never overwritten.
            var size = trained.ImageSize != trained.Config.ImageSize ? trained.ImageSize : null;
            var file = trained.Folder.File(FileName(report.Dataset, splitName, decode, size));
            RunFolder.WriteGuard(file, () => report.Write(file), then: "evaluate again");
            @out.WriteLine(result.GetValue(json) ? report.ToJson() : MetricsTable.Format(report));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// eval-&lt;dataset&gt;-&lt;split&gt;-&lt;decoding&gt;.json: evaluating another dataset or decoding never overwrites an
    /// earlier result. A dataset given as a path is named by its last component. An --image-size other than the run's adds
    /// "-&lt;size&gt;px".
    /// </summary>
    internal static string FileName(string dataset, string split, Decoding decoding, int? imageSize = null)
    {
        var name = Path.GetFileName(dataset.TrimEnd('/', '\\'));
        name = System.Text.RegularExpressions.Regex.Replace(name.Length == 0 ? dataset : name, "[^A-Za-z0-9._-]+", "-").Trim('-');
        return $"eval-{name}-{split}-{decoding.ToName()}{(imageSize is int px ? $"-{px}px" : "")}.json";
    }
}
