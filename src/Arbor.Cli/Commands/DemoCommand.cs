using System.CommandLine;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor demo`: the main job. Trains, on the embedded Fashion-MNIST subset (7,200 training / 800 validation / 2,000 test
/// images, nothing to download), the method that measured best at a five-minute budget on two CPU cores, decodes the
/// test split consistently (best valid root-to-leaf path) and prints the per-level table.
/// </summary>
internal static class DemoCommand
{
    /// <summary>Default method and epochs: chosen by the measurements in docs/results.md ("The demo").</summary>
    internal const string DefaultMethod = "ce";
    internal const int DefaultEpochs = 12;

    /// <summary>Epochs of the point-cloud demo (--modality points), every method.</summary>
    internal const int PointEpochs = 10;

    /// <summary>Points per cloud of the point-cloud demo (a quarter of ModelNet's usual 1,024: four times faster on a CPU).</summary>
    internal const int PointCount = 256;

    public static Command Build()
    {
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default: a new folder under runs/)" };
        var method = new Option<string>("--method", "-m")
        {
            Description = $"Method to demonstrate (default {DefaultMethod}; e.g. hmlc for the contrastive pipeline)",
            DefaultValueFactory = _ => DefaultMethod,
        };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs (default {DefaultEpochs} for {DefaultMethod}; 6 for contrastive methods)" };
        var modality = new Option<string>("--modality")
        {
            Description = "images (the embedded Fashion-MNIST subset) | points (the generated shape set of point clouds, PointNet backbone)",
            DefaultValueFactory = _ => "images",
        };
        var seed = SharedOptions.Seed();
        var json = SharedOptions.Json("Print the test metrics as JSON (metrics.json) instead of a table");
        var command = new Command("demo",
            "Train on the embedded Fashion-MNIST subset (about 2 min on 2 idle cores) and print a per-level table with consistent decoding.")
        {
            output, method, epochs, modality, seed, json,
        };
        command.SetAction(result =>
        {
            var name = result.GetValue(method)!;
            var family = MethodCatalog.Get(name).Family;
            if (family == MethodFamily.VisionLanguage)
                throw new ArborException($"the demo has no pretrained CLIP to start from; use `arbor train --method {name} --clip DIR`");
            bool points = result.GetValue(modality)!.Trim().ToLowerInvariant() switch
            {
                "images" or "image" => false,
                "points" or "point-clouds" or "pointclouds" => true,
                var other => throw new ArborException($"--modality must be images or points, not '{other}'"),
            };
            var config = new RunConfig
            {
                Method = name,
                Dataset = points ? "shapes" : "fashion-mnist-embedded",
                Backbone = points ? "pointnet" : null,
                Points = points ? PointCount : null,
                Epochs = result.GetValue(epochs) ?? (points ? PointEpochs : family == MethodFamily.Contrastive ? 6 : DefaultEpochs),
                Seed = result.GetValue(seed),
            };
            var dir = result.GetValue(output) ?? Path.Combine("runs", $"demo-{DateTime.Now:yyyyMMdd-HHmmss}");
            CommandOutput.Progress(result).Line(
                $"Arbor demo: {config.Method} for {config.Epochs} epochs on " +
                (points ? "the generated shape set (point clouds, PointNet)" : "the embedded Fashion-MNIST subset") + $"; run folder {dir}");
            return TrainCommand.RunTraining(result, config, dir, force: false, resume: false, Decoding.Consistent,
                json: result.GetValue(json));
        });
        return command;
    }
}
