using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.IO;

namespace Arbor.Reporting;

/// <summary>
/// The pictures of a run, in its <c>plots/</c> folder, drawn from the run's own files (metrics.csv, metrics.json,
/// confusion.json, masks.json) and its hierarchy, so `arbor report` can redraw them at any time; the prediction grid needs the model
/// and the data and is drawn by whoever has them (<see cref="WriteGrid"/>).
/// </summary>
public static class RunPlots
{
    /// <summary>The folder in a run folder.</summary>
    public const string FolderName = "plots";
    public const string ConfusionFileName = "confusion.json";
    public const string GridFile = "predictions.png";
    public const string MasksFile = "masks.png";
    const string MasksTitle = "Level masks: dimensions per level and overlap";

    /// <summary>A picture and what it shows, in the order the report lists them.</summary>
    public sealed record Picture(string File, string Title);

    /// <summary>Draws every picture the run's files allow; returns what was written.</summary>
    public static IReadOnlyList<Picture> WriteFromFiles(string runDir, ClassHierarchy hierarchy)
    {
        var dir = Path.Combine(runDir, FolderName);
        Directory.CreateDirectory(dir);
        var written = new List<Picture>();
        void Save(string name, string title, byte[]? png)
        {
            if (png is null) return;
            AtomicFile.WriteAllBytes(Path.Combine(dir, name), png);
            written.Add(new Picture(name, title));
        }

        var csv = Path.Combine(runDir, EpochLog.FileName);
        if (File.Exists(csv))
        {
            var (levels, rows) = EpochLog.ReadWithLevels(csv);
            if (rows.Count > 0)
            {
                Save("loss.png", "Training loss", TrainingCurvesPlot.Loss(rows));
                Save("validation.png", "Validation top-1 per level", TrainingCurvesPlot.Validation(rows,
                    hierarchy.Depth == levels.Count ? hierarchy.LevelNames : levels));
                Save("lr.png", "Learning rate", TrainingCurvesPlot.LearningRate(rows));
            }
        }
        var metricsFile = Path.Combine(runDir, "metrics.json");
        var report = File.Exists(metricsFile) ? MetricsReport.Read(metricsFile) : null;
        if (report is not null) Save("accuracy.png", "Accuracy per level", LevelAccuracyPlot.Accuracy(report));
        var confusionFile = Path.Combine(runDir, ConfusionFileName);
        if (File.Exists(confusionFile))
        {
            var matrices = ConfusionMatrix.ReadJson(confusionFile);
            if (report is not null && matrices.Count == hierarchy.Depth)
                Save("severity.png", "Mistake severity", LevelAccuracyPlot.Severity(hierarchy, matrices[^1], report.MistakeSeverity));
            foreach (var m in matrices)
                Save($"confusion-level{m.Level}.png",
                    m.Classes <= ConfusionPlot.MaxHeatmapClasses ? $"Confusion matrix, level {m.Level} ({m.Name})" : $"Most confused pairs, level {m.Level} ({m.Name})",
                    ConfusionPlot.Render(m));
        }
        // G-HMLC / A-HMLC runs only; a malformed masks.json stops the drawing with its name, as a bad confusion.json does.
        var masksFile = Path.Combine(runDir, LevelMaskSummary.FileName);
        if (File.Exists(masksFile)) Save(MasksFile, MasksTitle, LevelMaskPlot.Render(LevelMaskSummary.Read(masksFile)));
        Save("hierarchy.png", "The hierarchy", HierarchyTreePicture.Render(hierarchy));
        if (File.Exists(Path.Combine(dir, GridFile))) written.Add(new Picture(GridFile, "Test predictions"));
        return written;
    }

    /// <summary>Writes the prediction grid (PNG bytes) into plots/.</summary>
    public static void WriteGrid(string runDir, byte[] png)
    {
        var dir = Path.Combine(runDir, FolderName);
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllBytes(Path.Combine(dir, GridFile), png);
    }

    /// <summary>The pictures present in a run's plots/ folder, in report order, with their titles.</summary>
    public static IReadOnlyList<Picture> Existing(string runDir)
    {
        var dir = Path.Combine(runDir, FolderName);
        if (!Directory.Exists(dir)) return Array.Empty<Picture>();
        string Title(string file) => file switch
        {
            "loss.png" => "Training loss",
            "validation.png" => "Validation top-1 per level",
            "lr.png" => "Learning rate",
            "accuracy.png" => "Accuracy per level",
            "severity.png" => "Mistake severity",
            GridFile => "Test predictions",
            MasksFile => MasksTitle,
            "hierarchy.png" => "The hierarchy",
            _ when file.StartsWith("confusion-level", StringComparison.Ordinal) => $"Confusion, level {file[15..^4]}",
            _ => Path.GetFileNameWithoutExtension(file),
        };
        string[] order = { "loss.png", "validation.png", "lr.png", "accuracy.png", "severity.png", GridFile, MasksFile };
        return Directory.GetFiles(dir, "*.png").Select(Path.GetFileName).OfType<string>()
            .OrderBy(f => Array.IndexOf(order, f) is var i && i >= 0 ? i : f.StartsWith("confusion", StringComparison.Ordinal) ? 50 : 90)
            .ThenBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal)
            .Select(f => new Picture(f, Title(f))).ToArray();
    }
}
