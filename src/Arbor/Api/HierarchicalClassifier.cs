using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Training;
using Microsoft.Extensions.Logging;

namespace Arbor;

/// <summary>
/// A trained hierarchical classifier: its run folder opened, ready to evaluate and predict. <see cref="Train"/> makes one,
/// <see cref="Open(string, TorchSharp.torch.Device?)"/> loads one that <c>arbor train</c> or <see cref="Train"/> wrote. See docs/library.md.
/// </summary>
public sealed class HierarchicalClassifier : IDisposable
{
    readonly TrainedRun _run;

    HierarchicalClassifier(TrainedRun run, MetricsReport? testMetrics)
    {
        _run = run;
        TestMetrics = testMetrics;
    }

    /// <summary>The class tree the classifier labels images with.</summary>
    public ClassHierarchy Hierarchy => _run.Hierarchy;
    /// <summary>The run's resolved configuration (config.json).</summary>
    public RunConfig Config => _run.Config;
    /// <summary>The run folder.</summary>
    public string RunFolder => _run.Folder.Path;
    /// <summary>The model itself, for per-level logits of preprocessed image batches.</summary>
    public IHierarchicalModel Model => _run.Model;
    /// <summary>Metrics on the test split measured at the end of training (metrics.json), when the run has them.</summary>
    public MetricsReport? TestMetrics { get; }

    /// <summary>
    /// Trains a method on a dataset into a new run folder (checkpoint every epoch, best epoch on validation), evaluates it
    /// on the test split and returns the trained classifier. Cancelling stops after the current batch with the last
    /// finished epoch saved (<see cref="OperationCanceledException"/>); <see cref="Resume"/> continues it.
    /// Bad input (data, hierarchy, options) raises an <see cref="ArborException"/> before the folder is created.
    /// </summary>
    public static HierarchicalClassifier Train(TrainingOptions options, string runFolder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var report = TrainRun.Run(options.ToRunConfig(), runFolder, new TrainRun.Options
        {
            Force = options.Overwrite, Decoding = options.TestDecoding, Cancellation = cancellationToken, Device = options.Device,
            Progress = ProgressReporter.To(options.Progress, options.Logger),
        });
        return new HierarchicalClassifier(TrainedRun.Open(runFolder, device: options.Device), report);
    }

    /// <summary>Continues an interrupted run from its last checkpoint, with the configuration it started with.</summary>
    public static HierarchicalClassifier Resume(string runFolder, IProgress<ProgressUpdate>? progress = null, ILogger? logger = null,
        CancellationToken cancellationToken = default, TorchSharp.torch.Device? device = null)
    {
        var report = TrainRun.Run(new RunConfig(), runFolder, new TrainRun.Options
        {
            Resume = true, Cancellation = cancellationToken, Progress = ProgressReporter.To(progress, logger), Device = device,
        });
        return new HierarchicalClassifier(TrainedRun.Open(runFolder, device: device), report);
    }

    /// <summary>
    /// Opens a finished run folder on <paramref name="device"/> (default: the CPU); refuses one whose model is missing,
    /// corrupt or from another model.
    /// </summary>
    public static HierarchicalClassifier Open(string runFolder, TorchSharp.torch.Device? device = null) => Open(runFolder, device, null);

    /// <summary>As <see cref="Open(string, TorchSharp.torch.Device?)"/>, computing in <paramref name="precision"/> (fp32 | bf16 | auto; null = the run's).</summary>
    public static HierarchicalClassifier Open(string runFolder, TorchSharp.torch.Device? device, string? precision)
    {
        var run = TrainedRun.Open(runFolder, null, device, precision);
        var metricsFile = run.Folder.MetricsFile;
        return new HierarchicalClassifier(run, File.Exists(metricsFile) ? MetricsReport.Read(metricsFile) : null);
    }

    /// <summary>
    /// Metrics on a split of the run's dataset, or of <paramref name="dataset"/> when given (its hierarchy must be the run's).
    /// </summary>
    public MetricsReport Evaluate(DatasetSource? dataset = null, DataSplit split = DataSplit.Test,
        Decoding decoding = Decoding.Independent, IProgress<ProgressUpdate>? progress = null)
    {
        var config = dataset is null ? Config : dataset.ApplyTo(Config);
        return _run.EvaluateOn(config, split.ToString().ToLowerInvariant(), decoding, ProgressReporter.To(progress), allowStandIn: dataset is not null);
    }

    /// <summary>
    /// The label at every level, with its probability, for each image file (decoded and preprocessed as in training).
    /// Consistent decoding (the default) returns the best whole path, so the labels never contradict the tree.
    /// </summary>
    public IReadOnlyList<ImagePrediction> Predict(IEnumerable<string> imageFiles, Decoding decoding = Decoding.Consistent) =>
        _run.Predict(imageFiles.ToArray(), decoding);

    public void Dispose() => _run.Dispose();
}

/// <summary>A split of a dataset.</summary>
public enum DataSplit
{
    Train,
    Validation,
    Test,
}
