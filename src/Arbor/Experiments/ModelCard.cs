using System.Globalization;
using System.Reflection;
using System.Text;
using Arbor.Data;
using Arbor.Evaluation;
using Arbor.IO;
using Arbor.Training;

namespace Arbor.Experiments;

/// <summary>
/// The README.md a finished run folder gets: what was trained on what (classes and training images per level), the
/// command, the input preprocessing, the test table, the date and Arbor's version — for a person who finds the folder.
/// </summary>
public static class ModelCard
{
    public static void Write(RunFolder run, RunConfig config, DatasetSplits splits, ImageCheck check, MetricsReport report, string? commandLine)
    {
        var inv = CultureInfo.InvariantCulture;
        var h = splits.Hierarchy;
        var text = new StringBuilder();
        text.Append(inv, $"# {config.Method} on {config.Dataset}\n\n");
        text.Append(inv, $"Trained {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with Arbor {Version}.\n\n");
        if (commandLine is not null) text.Append("```\n").Append(commandLine).Append("\n```\n\n");
        text.Append(inv, $"Data: {splits.Description}.\n");
        if (check.BadImages.Count > 0)
            text.Append(inv, $"{check.BadImages.Count} image file(s) could not be decoded and were left out (listed in skipped-images.txt).\n");
        text.Append("\n| level | name | classes | training images per class (min / median / max) |\n|---|---|---|---|\n");
        for (int l = 1; l <= h.Depth; l++)
        {
            var counts = splits.Train.CountPerClass(l).Order().ToArray();
            text.Append(inv, $"| {l} | {h.LevelNames[l - 1]} | {h.ClassesAt(l)} | {counts[0]} / {counts[counts.Length / 2]} / {counts[^1]} |\n");
        }
        text.Append(inv, $"\n{splits.Train.Count} training, {splits.Validation.Count} validation, {splits.Test.Count} test images.\n\n");
        text.Append(inv, $"Model: backbone {config.Backbone}, {config.Epochs} epochs, batch {config.BatchSize}, {config.Optimizer} lr {config.LearningRate}, seed {config.Seed}.\n");
        text.Append(inv, $"Input: {config.ImageSize}×{config.ImageSize} px, {config.Channels} channel(s), resize {config.Resize ?? "shorter-side-center-crop"}, " +
                         $"normalisation {config.Normalization} (mean {Join(config.Mean)}, std {Join(config.Std)}).\n");
        if (config.ClipPath is not null) text.Append(inv, $"CLIP: {config.ClipPath} ({config.ClipHash ?? "no hash"}).\n");
        text.Append(inv, $"\n## Test ({report.Samples} images, {report.Decoding} decoding)\n\n| level | classes | top-1 | top-5 |\n|---|---|---|---|\n");
        foreach (var level in report.Levels)
            text.Append(inv, $"| {level.Name} | {level.Classes} | {level.Top1:P2} | {level.Top5:P2} |\n");
        text.Append(inv, $"\nFull path {report.FullPath:P2}, consistency {report.Consistency:P2}, mistake severity {report.MistakeSeverity:F3}.\n\n");
        var warnings = run.LoggedWarnings();
        if (warnings.Count > 0)
        {
            text.Append("## Warnings during training\n\n");
            foreach (var warning in warnings) text.Append("- ").Append(warning).Append('\n');
            text.Append('\n');
        }
        text.Append("Use it: `arbor predict --run <this folder> image.jpg` or `arbor eval --run <this folder> [--dataset DATA]`. ")
            .Append("Everything they need is in this folder (config.json, hierarchy.json, model.safetensors).\n");
        RunFolder.WriteGuard(run.ModelCardFile, () => AtomicFile.WriteAllText(run.ModelCardFile, text.ToString()));
    }

    /// <summary>Arbor's version (the library assembly's informational version).</summary>
    public static string Version =>
        typeof(ModelCard).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    static string Join(float[]? values) => values is null ? "?" :
        "[" + string.Join(", ", values.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture))) + "]";
}
