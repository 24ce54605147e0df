using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Reporting;

/// <summary>
/// TensorBoard event files in the run folder's <c>tensorboard/</c> (TorchSharp's SummaryWriter): per epoch the training loss,
/// learning rate, validation score and per-level validation top-1; at the end the test metrics and the prediction grid
/// as an image. Open with <c>tensorboard --logdir RUN/tensorboard</c>.
/// </summary>
public sealed class TensorBoardLog
{
    /// <summary>The folder in a run folder.</summary>
    public const string FolderName = "tensorboard";

    readonly SummaryWriter _writer;

    public TensorBoardLog(string runDir)
    {
        var dir = Path.Combine(runDir, FolderName);
        Directory.CreateDirectory(dir);
        _writer = utils.tensorboard.SummaryWriter(dir);
    }

    /// <summary>The event-file folder.</summary>
    public string Folder => _writer.LogDir;

    /// <summary>Scalars of one finished epoch.</summary>
    public void Epoch(Training.Trainer.EpochRecord r, IReadOnlyList<string> levelNames)
    {
        _writer.add_scalar("train/loss", (float)r.Loss, r.Epoch);
        _writer.add_scalar("train/lr", (float)r.LearningRate, r.Epoch);
        _writer.add_scalar("train/seconds", (float)r.Seconds, r.Epoch);
        _writer.add_scalar("train/rss_mib", (float)r.ResidentMiB, r.Epoch);
        if (r.Validation is null) return;
        _writer.add_scalar("val/score", (float)r.Validation.Score, r.Epoch);
        foreach (var level in r.Validation.Levels ?? Array.Empty<Evaluation.LevelMetrics>())
            _writer.add_scalar($"val/top1/{level.Level}-{Tag(level.Name)}", (float)level.Top1, r.Epoch);
    }

    /// <summary>Test metrics and the prediction grid (PNG bytes) at step <paramref name="step"/> (the last epoch).</summary>
    public void Test(Evaluation.MetricsReport report, byte[]? gridPng, int step)
    {
        foreach (var level in report.Levels)
        {
            _writer.add_scalar($"test/top1/{level.Level}-{Tag(level.Name)}", (float)level.Top1, step);
            _writer.add_scalar($"test/top5/{level.Level}-{Tag(level.Name)}", (float)level.Top5, step);
        }
        _writer.add_scalar("test/full_path", (float)report.FullPath, step);
        _writer.add_scalar("test/consistency", (float)report.Consistency, step);
        _writer.add_scalar("test/mistake_severity", (float)report.MistakeSeverity, step);
        if (gridPng is null) return;
        // SummaryWriter takes images as files; it stores the PNG bytes as they are.
        var file = Path.Combine(Folder, $".grid-{Environment.ProcessId}.png");
        try
        {
            File.WriteAllBytes(file, gridPng);
            _writer.add_img("test/predictions", file, step);
        }
        finally
        {
            File.Delete(file);
        }
    }

    static string Tag(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
