using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Reporting;

/// <summary>
/// What a training run leaves for people and tools besides its model: metrics.csv after every epoch, TensorBoard events
/// (when asked), and at the end confusion.json, the plots/ pictures and the prediction grid.
/// </summary>
public sealed class RunRecorder
{
    readonly RunFolder _run;
    readonly ClassHierarchy _hierarchy;
    readonly EpochLog _epochs;
    readonly TensorBoardLog? _tensorBoard;
    int _lastEpoch;

    public RunRecorder(RunFolder run, ClassHierarchy hierarchy, bool tensorBoard)
    {
        _run = run;
        _hierarchy = hierarchy;
        _epochs = new EpochLog(run.File(EpochLog.FileName), hierarchy.LevelNames);
        _tensorBoard = tensorBoard ? new TensorBoardLog(run.Path) : null;
        _lastEpoch = _epochs.Rows.Count == 0 ? 0 : _epochs.Rows[^1].Epoch;
    }

    /// <summary>Records a finished training epoch.</summary>
    public void OnEpoch(Trainer.EpochRecord record)
    {
        RunFolder.WriteGuard(_run.File(EpochLog.FileName), () => _epochs.Add(record));
        _tensorBoard?.Epoch(record, _hierarchy.LevelNames);
        _lastEpoch = record.Epoch;
    }

    /// <summary>
    /// Writes confusion.json of the test evaluation, the prediction grid (a sample of <paramref name="test"/> predicted by
    /// <paramref name="levelLogits"/>) and every plot. Drawing is the last thing a run does: if it fails, the run (model,
    /// metrics) is complete and the failure is reported as a warning that `arbor report` can redraw.
    /// </summary>
    public void Finish(HierarchicalMetrics metrics, MetricsReport report, Func<Tensor, Tensor[]> levelLogits, ImageDataset test,
        BatchLoaderOptions loaderOptions, int seed, ProgressReporter progress)
    {
        var confusion = _run.File(RunPlots.ConfusionFileName);
        RunFolder.WriteGuard(confusion, () => ConfusionMatrix.WriteJson(confusion, metrics.Confusion));
        byte[]? grid = null;
        try
        {
            var samples = PredictionGrid.Collect(levelLogits, test, loaderOptions, metrics.Decoding, seed: seed);
            if (samples.Count > 0)
            {
                grid = PredictionGrid.Render(test, samples);
                RunPlots.WriteGrid(_run.Path, grid);
            }
            var pictures = RunPlots.WriteFromFiles(_run.Path, _hierarchy);
            progress.Line($"plots: {pictures.Count} pictures in {Path.Combine(_run.Path, RunPlots.FolderName)}; " +
                          $"`arbor report --run {_run.Path}` makes report.html");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            progress.Warn($"drawing the plots failed ({e.Message}); the run is complete — retry with `arbor report --run {_run.Path}`");
            _run.Log($"plots failed: {e}");
        }
        _tensorBoard?.Test(report, grid, Math.Max(1, _lastEpoch));
    }
}
