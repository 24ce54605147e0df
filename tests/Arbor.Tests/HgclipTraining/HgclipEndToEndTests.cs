using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arbor.Cli;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Tests.Data;
using Arbor.Training;
using SkiaSharp;

namespace Arbor.Tests.HgclipTraining;

/// <summary>
/// HGCLIP trained end to end without pretrained weights: the random clip-tiny CLIP (32 px) on the embedded Fashion-MNIST
/// subset (resized to 32 px, 3 channels), a few hundred images. The random tower's features separate the classes only
/// weakly and the prototype-attention term starts as a large image-independent bias, so plain SGD at a few dozen steps is
/// fragile here (it sometimes collapses to the class prior); AdamW at 1e-3 trains reliably in a few seconds.
/// </summary>
public sealed class HgclipEndToEndTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly string _clipDir;

    public HgclipEndToEndTests() => _clipDir = ClipTinyFolder.Create(_tmp.File("clip"), BuiltInHierarchies.FashionMnist());

    public void Dispose() => _tmp.Dispose();

    RunConfig Tiny(string method, int epochs, int trainLimit) => new()
    {
        Method = method, Dataset = "fashion-mnist-embedded", ClipPath = _clipDir, Epochs = epochs, BatchSize = 32,
        TrainLimit = trainLimit, Optimizer = "adamw", LearningRate = 1e-3, WeightDecay = 0, ProbeEpochs = 5, Seed = 1, Threads = 2,
    };

    static double[] EpochLosses(string runDir) => File.ReadLines(Path.Combine(runDir, "train.log"))
        .Select(l => Regex.Match(l, @"epoch \d+/\d+\s+loss (\S+)")).Where(m => m.Success)
        .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void HgclipOnClipTinyLearnsBeatsChanceAtEveryLevelAndPredicts()
    {
        var dir = _tmp.File("run");
        var report = TrainRun.Run(Tiny("hgclip", epochs: 6, trainLimit: 512), dir, new TrainRun.Options());

        foreach (var f in new[] { "config.json", "metrics.json", "model.safetensors", "best.safetensors", "train.log" })
            Assert.True(File.Exists(Path.Combine(dir, f)), $"{f} missing");
        var losses = EpochLosses(dir);
        Assert.Equal(6, losses.Length);
        Assert.True(losses[^1] < losses[0] * 0.95, $"loss per epoch: {string.Join(", ", losses)}");

        var config = RunConfig.Read(Path.Combine(dir, "config.json"));
        Assert.Equal(Path.GetFullPath(_clipDir), config.ClipPath);
        Assert.Equal("all", config.Parts);
        Assert.Equal(32, config.ImageSize);
        Assert.Equal("clip", config.Normalization);

        // Reopened from its folder (CLIP reloaded from clip_path, prompts + graphs + prototypes from the checkpoint),
        // the model beats chance on the validation split at every level (1/2, 1/6, 1/10; at level 1 also the majority
        // class, 60 % of this split).
        using (var trained = TrainedRun.Open(dir))
        {
            var validation = trained.Evaluate(null, "validation", Decoding.Independent, ProgressReporter.Silent);
            var top1 = validation.Levels.Select(l => l.Top1).ToArray();
            Assert.True(top1[0] > 0.65 && top1[1] > 0.25 && top1[2] > 0.13, $"validation top-1 per level: {string.Join(", ", top1)}");
            var test = trained.Evaluate(null, "test", Decoding.Independent, ProgressReporter.Silent);
            Assert.Equal(report.ToJson(), test.ToJson());   // the reloaded model is the one that was tested
        }

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
        Assert.Equal("hgclip", metrics.RootElement.GetProperty("method").GetString());

        var png = _tmp.File("bag.png");
        DataFixtures.WritePng(png, 28, 28, new SKColor(200, 200, 200), new SKColor(20, 20, 20));
        var (code, output, error) = CliHarness.Run("predict", "--run", dir, "--json", png);
        Assert.True(code == 0, error);
        using var predictions = JsonDocument.Parse(output);
        var levels = predictions.RootElement[0].GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(3, levels.Length);
        var hierarchy = BuiltInHierarchies.FashionMnist();
        var leaf = levels[2].GetProperty("label").GetString()!;
        // Consistent decoding (predict's default): the coarse labels are the leaf's ancestors.
        var path = hierarchy.PathOf(hierarchy.LeafId(leaf));
        Assert.Equal(hierarchy.Node(1, path[0]).Name, levels[0].GetProperty("label").GetString());
        Assert.Equal(hierarchy.Node(2, path[1]).Name, levels[1].GetProperty("label").GetString());
    }
}
