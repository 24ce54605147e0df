using Arbor.Data;
using Arbor.Training;
using Arbor.Training.Optimizers;

namespace Arbor.Experiments;

/// <summary>
/// Everything `arbor train` checks before the run folder exists: every option's range, and what the data must offer
/// (a validation split, a test split, a training split of at least one batch). Each problem is one
/// <see cref="ArborException"/> naming the option and the value.
/// </summary>
public static class RunValidation
{
    /// <summary>Largest --image-size accepted (a 1024² batch of 64 RGB images is already 800 MB of floats).</summary>
    public const int MaxImageSize = 1024;

    /// <summary>Checks a resolved config's options (method defaults filled in).</summary>
    public static void CheckOptions(RunConfig c)
    {
        var family = MethodCatalog.Get(c.Method).Family;
        static void Require(bool ok, string message) { if (!ok) throw new ArborException(message); }
        static bool Finite(double? x) => x is null || double.IsFinite(x.Value);
        Require(c.Epochs is >= 1 and <= 100_000, $"--epochs must be a whole number from 1 to 100000, not {c.Epochs}");
        Require(c.BatchSize is >= 1 and <= 65_536, $"--batch must be from 1 to 65536, not {c.BatchSize}");
        Require(c.LearningRate is > 0 && Finite(c.LearningRate), $"--lr must be a positive number, not {c.LearningRate}");
        Require(c.WeightDecay is >= 0 && Finite(c.WeightDecay), $"--weight-decay must be zero or positive, not {c.WeightDecay}");
        Require(c.WarmupEpochs is >= 0 && Finite(c.WarmupEpochs), $"--warmup must be zero or positive, not {c.WarmupEpochs}");
        Require(c.WarmupEpochs <= c.Epochs, $"--warmup ({c.WarmupEpochs} epochs) is longer than the run ({c.Epochs} epochs)");
        Require(OptimizerFactory.Names.Contains(c.Optimizer), $"unknown --optimizer '{c.Optimizer}'; use {string.Join(" or ", OptimizerFactory.Names)}");
        if (family == MethodFamily.Contrastive)
            Require(c.Temperature is > 0 && Finite(c.Temperature), $"--temperature must be positive, not {c.Temperature}");
        if (family == MethodFamily.Contrastive || c.Method == "linear-probe")
            Require(c.ProbeEpochs is null or >= 1, $"--probe-epochs must be at least 1, not {c.ProbeEpochs}");
        Require(c.ValidationFraction is >= 0 and < 1, $"--val-fraction must be in [0, 1), not {c.ValidationFraction}");
        Require(c.TrainLimit is null or >= 1, $"--train-limit must be at least 1, not {c.TrainLimit}");
        Require(c.Threads >= 0, $"--threads must be zero (libtorch's default) or positive, not {c.Threads}");
        CheckGeometry(c.ImageSize, c.Channels);
        if (c.Normalization is { } n && n != "data" && c.Mean is null)
            Require(Normalization.TryGet(n) is not null, $"unknown --normalization '{n}'; use data, imagenet, clip, fashion-mnist, cifar-100, symmetric or none");
        c.ResizeRule();
    }

    /// <summary>The ranges of --image-size and --channels, for every command that takes them.</summary>
    public static void CheckGeometry(int? imageSize, int? channels)
    {
        if (imageSize is not (null or >= 8 and <= MaxImageSize))
            throw new ArborException($"--image-size must be from 8 to {MaxImageSize} pixels, not {imageSize}");
        if (channels is not (null or 1 or 3)) throw new ArborException($"--channels must be 1 (grayscale) or 3 (RGB), not {channels}");
    }

    /// <summary>
    /// The input side and channels an image method trains on: the options when given; else the dataset's own size, or the
    /// size all its image files share (<paramref name="commonSize"/>), or 224 px; the dataset's channels, 3 for files.
    /// <c>Why</c> says where the size came from, for the output.
    /// </summary>
    public static (int Size, int Channels, string Why) ResolveGeometry(int? imageSize, int? channels, DatasetSplits splits,
        (int Width, int Height)? commonSize)
    {
        CheckGeometry(imageSize, channels);
        var shape = splits.Train.FixedShape;
        int resolvedChannels = channels ?? shape?.Channels ?? 3;
        if (imageSize is int given) return (given, resolvedChannels, "--image-size");
        if (shape is { } s && s.Height == s.Width) return (s.Height, resolvedChannels, "the dataset's size");
        if (commonSize is { } c && c.Width == c.Height && c.Width <= MaxImageSize) return (c.Width, resolvedChannels, "every image is this size");
        return (224, resolvedChannels, commonSize is null ? "images vary in size; the default" : "images are not square; the default");
    }

    /// <summary>
    /// The input geometry and normalisation of an image method: the options when given; else the dataset's own size, or the
    /// size all its image files share, or 224 px; 3 channels for files; and the dataset's normalisation, or for the user's
    /// own images ("data") the mean/std measured on the training split. States what it chose on <paramref name="progress"/>.
    /// </summary>
    public static RunConfig ResolveInput(RunConfig config, DatasetSplits splits, ImageCheck check, ProgressReporter progress)
    {
        var (size, channels, why) = ResolveGeometry(config.ImageSize, config.Channels, splits, check.CommonSize);

        bool userImages = splits.Train.Resolve(0).Source is FileImageDataset { HasOwnStatistics: false };
        var name = config.Normalization ?? (userImages ? "data" : splits.Train.DefaultNormalization.Name);
        Normalization normalization;
        if (name == "data")
            normalization = check.TrainStatistics ?? throw new ArborException(
                "--normalization data measures the training images' statistics, which needs image files; use a preset (e.g. imagenet)");
        else normalization = Normalization.TryGet(name) ?? throw new ArborException($"unknown --normalization '{name}'");
        var (mean, std) = normalization.For(channels);
        progress.Line($"input: {size}×{size} px ({why}), {channels} channel{(channels == 1 ? "" : "s")}, " +
                      $"normalisation {name} (mean {Format(mean)}, std {Format(std)}), resize {config.Resize ?? "shorter-side-center-crop"}");
        return config with
        {
            ImageSize = size, Channels = channels, Normalization = name, Mean = mean, Std = std,
            Resize = config.Resize ?? "shorter-side-center-crop",
        };
    }

    /// <summary>Checks the splits against the options: non-empty validation and test, a training split of one batch or more.</summary>
    public static void CheckData(RunConfig config, DatasetSplits splits)
    {
        if (splits.Validation.Count == 0)
            throw new ArborException($"{splits.Train.Name}: the validation split is empty ({splits.Train.Count} training images, " +
                                     $"--val-fraction {config.ValidationFraction}); raise --val-fraction or add images");
        if (splits.Test.Count == 0) throw new ArborException($"{splits.Test.Name}: the test split is empty");
        bool trains = config.Method is not ("linear-probe" or "zeroshot");
        if (trains && splits.Train.Count < config.BatchSize)
            throw new ArborException($"{splits.Train.Name}: the training split has {splits.Train.Count} images, fewer than one " +
                                     $"batch of {config.BatchSize}; lower --batch-size");
    }

    static string Format(float[] values) => "[" + string.Join(", ", values.Select(v => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
