using Arbor.Evaluation;

namespace Arbor.Tests.Library;

/// <summary>
/// The code of docs/library.md, verbatim: each region between "// doc:NAME" and "// end" is a ```csharp block of the guide
/// (<see cref="LibraryGuideTests"/> checks they match, and runs these methods), so the guide's examples compile and run.
/// </summary>
internal static class LibraryGuideExamples
{
    public static HierarchicalClassifier Train(string runFolder)
    {
        // doc:train
        var options = new TrainingOptions
        {
            Method = new CrossEntropyMethod { PerLevel = true },
            Dataset = DatasetSource.FashionMnistEmbedded() with { TrainLimit = 1024 },
            Epochs = 2,
            Optimizer = new SgdOptions { LearningRate = 0.1 },
        };
        var classifier = HierarchicalClassifier.Train(options, runFolder);
        Console.WriteLine($"test full-path accuracy: {classifier.TestMetrics!.FullPath:P1}");
        // end
        return classifier;
    }

    public static void TrainWithProgress(string runFolder, TimeSpan timeLimit, Microsoft.Extensions.Logging.ILogger logger)
    {
        // doc:progress
        using var cancel = new CancellationTokenSource(timeLimit);
        var options = new TrainingOptions
        {
            Method = new ContrastiveMethod { Loss = ContrastiveLoss.Hmlc, Temperature = 0.1, ProbeEpochs = 5 },
            Dataset = DatasetSource.FashionMnistEmbedded() with { TrainLimit = 512 },
            Epochs = 1,
            BatchSize = 128,
            Optimizer = new AdamWOptions { LearningRate = 1e-3, WeightDecay = 1e-4 },
            Progress = new Progress<ProgressUpdate>(p => Console.Write($"\r{p.Phase} {p.Fraction:P0} {p.Detail}")),
            Logger = logger,
        };
        using var classifier = HierarchicalClassifier.Train(options, runFolder, cancel.Token);
        // end
    }

    public static MetricsReport Evaluate(string runFolder)
    {
        // doc:evaluate
        using var classifier = HierarchicalClassifier.Open(runFolder);
        var metrics = classifier.Evaluate(split: DataSplit.Test, decoding: Decoding.Consistent);
        foreach (var level in metrics.Levels)
            Console.WriteLine($"{level.Name}: top-1 {level.Top1:P1}");
        Console.WriteLine($"full path {metrics.FullPath:P1}, consistency {metrics.Consistency:P1}");
        // end
        return metrics;
    }

    public static IReadOnlyList<Arbor.Experiments.ImagePrediction> Predict(string runFolder, string[] imageFiles)
    {
        // doc:predict
        using var classifier = HierarchicalClassifier.Open(runFolder);
        var predictions = classifier.Predict(imageFiles);
        foreach (var prediction in predictions)
            Console.WriteLine($"{prediction.Image}: " +
                string.Join(" > ", prediction.Levels.Select(l => $"{l.Label} ({l.Probability:P0})")));
        // end
        return predictions;
    }
}
