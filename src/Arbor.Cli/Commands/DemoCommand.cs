using System.CommandLine;
using Arbor.Evaluation;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor demo`: the main job. Trains the best hierarchical method with a budget sized for a 2-core CPU on the embedded
/// Fashion-MNIST subset (or the full set when installed and --full is given) and prints the per-level table.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The demo's recipe (see docs/results.md for how it was chosen).</summary>
    internal static RunConfig Recipe => new()
    {
        Method = "hmlc",
        Dataset = "fashion-mnist-embedded",
        Epochs = 6,
        Seed = 0,
    };

    public static Command Build()
    {
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default: a new folder under runs/)" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var command = new Command("demo", "Train the best hierarchical method on the embedded Fashion-MNIST subset (≈5 min on 2 cores) and print a per-level table.")
        {
            output, seed,
        };
        command.SetAction(result =>
        {
            var dir = result.GetValue(output) ?? Path.Combine("runs", $"demo-{DateTime.Now:yyyyMMdd-HHmmss}");
            var config = Recipe with { Seed = result.GetValue(seed) };
            return TrainCommand.RunTraining(result, config, dir, force: false, resume: false, Decoding.Independent);
        });
        return command;
    }
}
