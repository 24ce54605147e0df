using System.CommandLine;
using System.Text.Json;
using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Experiments;

namespace Arbor.Cli.Commands;

/// <summary>`arbor predict`: each image's (or, for a point-cloud run, each cloud file's) label at every level with its probability.</summary>
internal static class PredictCommand
{
    public static Command Build()
    {
        var run = SharedOptions.Run();
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, WebP, GIF, BMP); for a point-cloud run, point-cloud files (.off meshes, .txt/.xyz x,y,z rows)", Arity = ArgumentArity.OneOrMore };
        var clip = new Option<string?>("--clip") { Description = "The CLIP folder of a CLIP method's run, when it moved (its content must match the run's)" };
        var skipBad = new Option<bool>("--skip-bad-images") { Description = "Report files that do not decode (images, or clouds for a point-cloud run) and go on, instead of stopping" };
        var decoding = SharedOptions.Decoding();
        var json = SharedOptions.Json();
        var imageSize = SharedOptions.ImageSize(SharedOptions.RunInputDefaults);
        var channels = SharedOptions.Channels(SharedOptions.RunInputDefaults);
        var device = DeviceOption.Create();
        var precision = PrecisionOption.Create("the run's own");
        var command = new Command("predict", "Label images (or point-cloud files, for a point-cloud run) at every level with a trained run.") { run, images, decoding, json, clip, skipBad, imageSize, channels, device, precision };
        command.SetAction(result =>
        {
            var @out = CommandOutput.Out(result);
            using var trained = TrainedRun.Open(result.GetValue(run)!, result.GetValue(clip), DeviceOption.Get(result, device),
                PrecisionOption.Get(result, precision));
            if (result.GetValue(precision) is not null || trained.Precision.Precision != Training.Precision.Fp32)
                CommandOutput.Progress(result).Line(trained.Precision.ToString());
            if (trained.UseInput(result.GetValue(imageSize), result.GetValue(channels)) is { } note) CommandOutput.Err(result).WriteLine(note);
            var skipped = result.GetValue(skipBad) ? new List<BadImage>() : null;
            var predictions = trained.Predict(result.GetValue(images)!, DecodingNames.Parse(result.GetValue(decoding)!), skipped);
            foreach (var bad in skipped ?? new List<BadImage>()) CommandOutput.Err(result).WriteLine($"skipped: {bad.Problem}");
            if (result.GetValue(json))
            {
                @out.WriteLine(JsonSerializer.Serialize(predictions.Select(p => new
                {
                    image = p.Image,
                    levels = p.Levels.Select(l => new { level = l.Level, name = l.LevelName, label = l.Label, probability = Math.Round(l.Probability, 6) }),
                }), new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            foreach (var p in predictions)
                @out.WriteLine($"{p.Image}: " + string.Join("  >  ", p.Levels.Select(l => $"{l.Label} ({l.Probability:P1})")));
            return 0;
        });
        return command;
    }
}
