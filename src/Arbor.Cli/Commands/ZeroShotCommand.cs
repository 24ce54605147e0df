using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor zeroshot`. The classifier exists (Arbor.Methods.ZeroShot.ZeroShotClassifier); the command still needs the
/// dataset catalogue (Arbor.Data) and the per-level metrics (Arbor.Evaluation), which have not landed yet.
/// </summary>
internal static class ZeroShotCommand
{
    public static Command Build()
    {
        var clip = new Option<string>("--clip") { Description = "Hugging Face CLIP folder", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "built-in dataset name or path", Required = true };
        var output = new Option<string>("--out") { Description = "run folder to write metrics.json into", Required = true };
        var command = new Command("zeroshot", "CLIP zero-shot classification at every level. (not implemented yet)") { clip, dataset, output };
        command.SetAction(result =>
        {
            CommandOutput.Err(result).WriteLine(
                "error: 'arbor zeroshot' is not implemented yet (it waits for the dataset and metrics modules; " +
                "the library's ZeroShotClassifier works)");
            return 3;
        });
        return command;
    }
}
