using System.CommandLine;
using System.Text.Json;
using Arbor.Evaluation;
using Arbor.Experiments;

namespace Arbor.Cli.Commands;

/// <summary>`arbor predict`: each image's label at every level with its probability.</summary>
internal static class PredictCommand
{
    public static Command Build()
    {
        var run = SharedOptions.Run();
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, WebP)", Arity = ArgumentArity.OneOrMore };
        var decoding = SharedOptions.Decoding();
        var json = SharedOptions.Json();
        var device = DeviceOption.Create();
        var command = new Command("predict", "Label images at every level with a trained run.") { run, images, decoding, json, device };
        command.SetAction(result =>
        {
            var @out = CommandOutput.Out(result);
            using var trained = TrainedRun.Open(result.GetValue(run)!, DeviceOption.Get(result, device));
            var predictions = trained.Predict(result.GetValue(images)!, DecodingNames.Parse(result.GetValue(decoding)!));
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
