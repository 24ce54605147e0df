using System.CommandLine;
using System.Text.Json;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Reporting;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>`arbor report`: redraws a run's plots from its files and writes one self-contained report.html.</summary>
internal static class ReportCommand
{
    public static Command Build()
    {
        var run = new Option<string>("--run", "-r") { Description = "Run folder written by `arbor train`", Required = true };
        var output = new Option<string?>("--out", "-o") { Description = "HTML file to write (default: report.html in the run folder)" };
        var json = new Option<bool>("--json") { Description = "Print what was written as JSON" };
        var command = new Command("report",
            "Draw a run's pictures (plots/) and write report.html: model card, command, metrics tables and every picture, in one file.")
        {
            run, output, json,
        };
        command.SetAction(result =>
        {
            var folder = RunFolder.OpenExisting(result.GetValue(run)!);
            var config = RunConfig.Read(folder.ConfigFile);
            var hierarchy = config.Hierarchy is not null ? HierarchyLoader.Load(config.Hierarchy) : TrainRun.OpenData(config).Hierarchy;
            var err = CommandOutput.Err(result);
            if (!File.Exists(Path.Combine(folder.Path, RunPlots.FolderName, RunPlots.GridFile)) && File.Exists(folder.File(TrainRun.ModelFileName)))
                DrawGrid(folder, err);
            var pictures = RunPlots.WriteFromFiles(folder.Path, hierarchy);
            var file = Path.GetFullPath(result.GetValue(output) ?? folder.File(HtmlReport.FileName));
            HtmlReport.Write(folder.Path, file,
                $"{hierarchy.Name}: " + string.Join(" → ", Enumerable.Range(1, hierarchy.Depth).Select(l => $"{hierarchy.LevelNames[l - 1]} ({hierarchy.ClassesAt(l)})")));
            var o = CommandOutput.Out(result);
            if (result.GetValue(json))
                o.WriteLine(JsonSerializer.Serialize(new { report = file, pictures = pictures.Select(p => Path.Combine(folder.Path, RunPlots.FolderName, p.File)) },
                    new JsonSerializerOptions { WriteIndented = true }));
            else
            {
                o.WriteLine($"wrote {file} ({pictures.Count} pictures, {new FileInfo(file).Length / 1024} KiB, self-contained)");
                o.WriteLine($"open it in a browser, e.g. xdg-open {file}");
            }
            return 0;
        });
        return command;
    }

    // Runs made before plots existed, or whose drawing failed, get their prediction grid from the model and the test split.
    static void DrawGrid(RunFolder folder, TextWriter err)
    {
        using var trained = TrainedRun.Open(folder.Path);
        var splits = TrainRun.OpenData(trained.Config);
        var samples = PredictionGrid.Collect(trained.Model.LevelLogits, splits.Test, TrainRun.EvaluationLoaderOptions(trained.Config, 256),
            Decoding.Consistent, seed: trained.Config.Seed);
        if (samples.Count == 0)
        {
            err.WriteLine("warning: the test split is empty; no prediction grid");
            return;
        }
        RunPlots.WriteGrid(folder.Path, PredictionGrid.Render(splits.Test, samples));
    }
}
