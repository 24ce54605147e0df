using System.Text.RegularExpressions;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Tests.Data;
using Microsoft.Extensions.Logging;
using SkiaSharp;

namespace Arbor.Tests.Library;

/// <summary>docs/library.md: its code is <see cref="LibraryGuideExamples"/> verbatim, and every example runs.</summary>
public class LibraryGuideTests
{
    static readonly string GuidePath = Path.Combine(TestPaths.RepoRoot, "docs", "library.md");

    [Fact]
    public void EveryCodeBlockOfTheGuideIsACompiledExampleAndEveryExampleIsInTheGuide()
    {
        var blocks = Regex.Matches(File.ReadAllText(GuidePath).ReplaceLineEndings("\n"), @"```csharp\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value.TrimEnd()).ToArray();
        var examples = ExampleRegions();
        Assert.Equal(new[] { "train", "progress", "evaluate", "predict" }, examples.Keys);
        foreach (var (name, code) in examples)
            Assert.True(blocks.Contains(code), $"docs/library.md has no ```csharp block equal to example '{name}':\n{code}");
        foreach (var block in blocks)
            Assert.True(examples.ContainsValue(block) || block.StartsWith("using ", StringComparison.Ordinal),
                $"docs/library.md has a ```csharp block that is not a tested example:\n{block}");
    }

    /// <summary>"// doc:NAME" … "// end" regions of LibraryGuideExamples.cs, de-indented.</summary>
    static Dictionary<string, string> ExampleRegions()
    {
        var source = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "tests", "Arbor.Tests", "Library", "LibraryGuideExamples.cs"));
        var regions = new Dictionary<string, string>();
        for (int i = 0; i < source.Length; i++)
        {
            var start = Regex.Match(source[i], @"^(\s*)// doc:(\w+)$");
            if (!start.Success) continue;
            int indent = start.Groups[1].Value.Length;
            var lines = source.Skip(i + 1).TakeWhile(l => l.Trim() != "// end")
                .Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()).ToArray();
            regions.Add(start.Groups[2].Value, string.Join("\n", lines).TrimEnd());
        }
        return regions;
    }

    [Fact]
    public void TrainEvaluateAndPredictExamplesRunAndGiveConsistentAnswers()
    {
        using var tmp = TestPaths.NewTempFolder();
        var runFolder = tmp.File("run");
        using (var trained = LibraryGuideExamples.Train(runFolder))
        {
            var test = trained.TestMetrics!;
            Assert.Equal("ce-levels", test.Method);
            // Chance is 1/2, 1/6, 1/10 on the balanced test split; two epochs on 1,024 images clear it.
            Assert.True(test.Levels[0].Top1 > 0.7 && test.Levels[2].Top1 > 0.2, string.Join(", ", test.Levels.Select(l => l.Top1)));
            Assert.Equal("sgd", trained.Config.Optimizer);
            Assert.Equal(0.1, trained.Config.LearningRate);
        }

        var metrics = LibraryGuideExamples.Evaluate(runFolder);
        Assert.Equal("consistent", metrics.Decoding);
        Assert.Equal(1.0, metrics.Consistency);
        Assert.Equal(2000, metrics.Samples);

        var images = new[] { tmp.File("light.png"), tmp.File("dark.png") };
        DataFixtures.WritePng(images[0], 28, 28, SKColors.White, SKColors.Black);
        DataFixtures.WritePng(images[1], 28, 28, SKColors.Black, SKColors.White);
        var predictions = LibraryGuideExamples.Predict(runFolder, images);
        var hierarchy = BuiltInHierarchies.Get("fashion-mnist");
        Assert.Equal(images, predictions.Select(p => p.Image));
        foreach (var p in predictions)
        {
            Assert.Equal(3, p.Levels.Count);
            Assert.All(p.Levels, l => Assert.InRange(l.Probability, 1e-6, 1.0));
            // Consistent decoding: the labels are the leaf's path.
            int leaf = hierarchy.LeafId(p.Levels[2].Label);
            for (int l = 1; l <= 2; l++)
                Assert.Equal(hierarchy.Node(l, hierarchy.AncestorAt(leaf, l)).Name, p.Levels[l - 1].Label);
        }
    }

    [Fact]
    public void ProgressExampleReportsStepsLogsLinesAndTrainsAContrastiveRun()
    {
        using var tmp = TestPaths.NewTempFolder();
        var logger = new ListLogger();
        LibraryGuideExamples.TrainWithProgress(tmp.File("run"), TimeSpan.FromMinutes(10), logger);
        Assert.Contains(logger.Lines, l => l.StartsWith("hmlc:", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(tmp.Path, "run", "metrics.json")));
    }

    [Fact]
    public void CancellingFromTheProgressHookStopsAfterTheEpochAndResumeFinishesTheRun()
    {
        using var tmp = TestPaths.NewTempFolder();
        var runFolder = tmp.File("run");
        using var cancel = new CancellationTokenSource();
        var updates = new List<ProgressUpdate>();
        var progress = new SynchronousProgress(u =>
        {
            updates.Add(u);
            if (u.Phase == "epoch 2/2") cancel.Cancel();
        });
        var options = new TrainingOptions
        {
            Method = new CrossEntropyMethod(), Dataset = DatasetSource.FashionMnistEmbedded() with { TrainLimit = 256 },
            Epochs = 2, BatchSize = 64, Progress = progress,
        };
        Assert.ThrowsAny<OperationCanceledException>(() => HierarchicalClassifier.Train(options, runFolder, cancel.Token));
        var epoch1 = updates.Where(u => u.Phase == "epoch 1/2").ToArray();
        Assert.Equal(Enumerable.Range(0, 5), epoch1.Select(u => u.Done));   // 256 images / 64 = 4 steps, after the start
        Assert.All(epoch1, u => Assert.Equal(4, u.Total));
        Assert.False(File.Exists(Path.Combine(runFolder, "metrics.json")));

        using var resumed = HierarchicalClassifier.Resume(runFolder);
        Assert.NotNull(resumed.TestMetrics);
        Assert.True(File.Exists(Path.Combine(runFolder, "metrics.json")));
    }

    [Fact]
    public void TypedOptionsBecomeTheRunConfigTheCliWrites()
    {
        var config = new TrainingOptions
        {
            Method = new ContrastiveMethod { Loss = ContrastiveLoss.GHmlc, Backbone = Backbone.ResNet18, Temperature = 0.2 },
            Dataset = DatasetSource.Cifar100("/data/c100") with { ValidationFraction = 0.2 },
            Optimizer = new AdamWOptions { LearningRate = 1e-3 }, Epochs = 7, Seed = 3,
        }.ToRunConfig();
        Assert.Equal(("g-hmlc", "resnet18", 0.2, "cifar-100", "/data/c100", 0.2), (config.Method, config.Backbone,
            config.Temperature, config.Dataset, config.DataRoot, config.ValidationFraction));
        Assert.Equal(("adamw", 1e-3, 7, 3), (config.Optimizer, config.LearningRate, config.Epochs, config.Seed));

        var hgclip = new TrainingOptions
        {
            Method = new VisionLanguageMethod("/models/clip") { Parts = Methods.Hgclip.HgclipParts.TextGraph | Methods.Hgclip.HgclipParts.VisualGraph },
            Dataset = DatasetSource.Emoji("google"),
        }.ToRunConfig();
        Assert.Equal(("hgclip", "/models/clip", "text-graph,visual-graph", "emoji-google"),
            (hgclip.Method, hgclip.ClipPath, hgclip.Parts, hgclip.Dataset));

        var wrong = new TrainingOptions
        {
            Method = new VisionLanguageMethod("/models/clip") { Kind = VisionLanguageKind.CoOp, Parts = Methods.Hgclip.HgclipParts.All },
            Dataset = DatasetSource.FashionMnist(),
        };
        Assert.Contains("HGCLIP only", Assert.Throws<ArborException>(() => wrong.ToRunConfig()).Message);
    }

    [Fact]
    public void EveryMethodTheCliKnowsHasATypedForm()
    {
        var typed = new List<MethodOptions> { new CrossEntropyMethod(), new CrossEntropyMethod { PerLevel = true } };
        typed.AddRange(Enum.GetValues<ContrastiveLoss>().Select(l => new ContrastiveMethod { Loss = l }));
        typed.AddRange(Enum.GetValues<VisionLanguageKind>().Select(k => new VisionLanguageMethod("clip") { Kind = k }));
        Assert.Equal(MethodCatalog.Names.Order(), typed.Select(m => m.Name).Order());
    }

    sealed class SynchronousProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }
}
