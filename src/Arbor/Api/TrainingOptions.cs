using Arbor.Evaluation;
using Arbor.Training;
using Microsoft.Extensions.Logging;

namespace Arbor;

/// <summary>
/// Everything <see cref="HierarchicalClassifier.Train"/> needs: the method, the data and how to optimise. The typed form of
/// <c>arbor train</c>'s options; both end in the same run config (config.json), so a run trained here opens with
/// <c>arbor eval</c> / <c>arbor predict</c> and the other way round. Null fields take the method's defaults.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>The method and its own options, e.g. <c>new ContrastiveMethod { Loss = ContrastiveLoss.Hmlc }</c>.</summary>
    public required MethodOptions Method { get; init; }
    /// <summary>The data, e.g. <c>DatasetSource.FashionMnist()</c>.</summary>
    public required DatasetSource Dataset { get; init; }
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    /// <summary>The optimiser and its settings, e.g. <c>new AdamWOptions { LearningRate = 1e-3 }</c>; null: the method's.</summary>
    public OptimizerOptions? Optimizer { get; init; }
    /// <summary>Seed of data order, augmentation, initialisation and the validation carve.</summary>
    public int Seed { get; init; }
    /// <summary>Torch intra-op threads; 0 keeps libtorch's default.</summary>
    public int Threads { get; init; }
    /// <summary>How the final test evaluation decodes labels.</summary>
    public Decoding TestDecoding { get; init; } = Decoding.Independent;
    /// <summary>
    /// Where the model computes: null or <c>torch.CPU</c>, or a GPU (<c>torch.CUDA</c>, <c>ComputeDevice.Parse("cuda:1")</c>)
    /// with a CUDA build of TorchSharp (docs/library.md, "GPU"). Independent of the run: a model trained on one device
    /// opens on any other.
    /// </summary>
    public TorchSharp.torch.Device? Device { get; init; }
    /// <summary>
    /// What the frozen CLIP towers compute in: "fp32" (null, the default), "bf16", or "auto" (bf16 where the CPU runs it
    /// natively); trainable parts stay fp32. See docs/precision.md.
    /// </summary>
    public string? Precision { get; init; }
    /// <summary>Replace an existing run folder (otherwise an existing folder is an error).</summary>
    public bool Overwrite { get; init; }
    /// <summary>Receives every training / evaluation step (epoch, batch, running loss).</summary>
    public IProgress<ProgressUpdate>? Progress { get; init; }
    /// <summary>Receives the run's messages (start, per-epoch summaries, results) at Information level.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The run config these options describe (what config.json will hold before defaults are filled in).</summary>
    public RunConfig ToRunConfig()
    {
        var config = Dataset.ApplyTo(Method.ApplyTo(new RunConfig()));
        if (Optimizer is not null) config = Optimizer.ApplyTo(config);
        return config with { Epochs = Epochs, BatchSize = BatchSize, Seed = Seed, Threads = Threads, Precision = Precision };
    }
}
