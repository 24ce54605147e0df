using System.CommandLine;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Experiments.VisionLanguage;

namespace Arbor.Cli.Commands;

/// <summary>`arbor reproduce hgclip`: one row of HGCLIP's table per command (docs/hgclip.md, "Reproducing the table").</summary>
internal static class ReproduceCommand
{
    public static Command Build()
    {
        var command = new Command("reproduce", "Reproduce a published table row with the paper's recipe.");
        command.Subcommands.Add(Hgclip());
        return command;
    }

    static Command Hgclip()
    {
        var dataset = new Option<string>("--dataset", "-d")
        {
            Description = $"Benchmark: {string.Join(" | ", Arbor.Data.Benchmarks.BenchmarkCatalog.All.Select(b => b.Name))} | cifar-100", Required = true,
        };
        var clip = new Option<string>("--clip") { Description = "Hugging Face CLIP folder (the paper: ViT-B/16)", Required = true };
        var dataRoot = new Option<string>("--data-root", "--root") { Description = "The dataset's folder, or a folder holding it under its usual name", Required = true };
        var method = new Option<string>("--method", "-m")
        {
            Description = $"Row of the table: {string.Join(" | ", HgclipRecipe.Methods)}", DefaultValueFactory = _ => "hgclip",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (data, counts per level, hierarchy, recipe, estimated time) and stop" };
        var epochs = new Option<int?>("--epochs") { Description = "Fewer epochs than the paper's, for a trial run (the comparison then says so)" };
        var output = SharedOptions.Out("Run folder (default: reproduce-<dataset>-<method>)", required: false);
        var force = SharedOptions.Force();
        var seed = SharedOptions.Seed();
        var threads = SharedOptions.Threads();
        var device = DeviceOption.Create();
        var command = new Command("hgclip",
            "Train and test one method of HGCLIP's table on one benchmark with the reference recipe; the best epoch is chosen " +
            "on the validation split, never the test split; prints our per-level top-1 beside the published one.")
        {
            dataset, clip, dataRoot, method, dryRun, epochs, output, force, seed, threads, device,
        };
        command.SetAction(result =>
        {
            var request = new ReproductionRequest(result.GetValue(dataset)!, result.GetValue(clip)!, result.GetValue(dataRoot)!,
                result.GetValue(method)!)
            {
                Seed = result.GetValue(seed), Threads = result.GetValue(threads), Epochs = result.GetValue(epochs),
            };
            var @out = CommandOutput.Out(result);
            if (result.GetValue(dryRun))
            {
                @out.WriteLine(HgclipReproduction.Describe(HgclipReproduction.Plan(request)));
                return 0;
            }
            var config = HgclipReproduction.ConfigOf(request);
            var runDir = result.GetValue(output) ?? $"reproduce-{config.Dataset}-{config.Method}";
            var report = TrainRun.Run(config, runDir, new TrainRun.Options
            {
                Force = result.GetValue(force), Device = DeviceOption.Get(result, device), CommandLine = CommandOutput.CommandLine(result),
                Progress = CommandOutput.Progress(result),
            });
            @out.WriteLine(HgclipReproduction.Compare(report, config.Dataset, config.Method));
            if (request.Epochs is int e) @out.WriteLine($"note: trained {e} epoch(s), not the paper's; the rows are not comparable");
            @out.WriteLine($"run folder: {Path.GetFullPath(runDir)}");
            return 0;
        });
        return command;
    }
}
