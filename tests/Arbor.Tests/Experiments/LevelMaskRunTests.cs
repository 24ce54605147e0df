using Arbor.Experiments;
using Arbor.Methods.Contrastive;
using Arbor.Reporting;
using Arbor.Training;
using SkiaSharp;

namespace Arbor.Tests.Experiments;

/// <summary>
/// Tiny G-HMLC / A-HMLC runs on the embedded Fashion-MNIST subset end with masks.json and plots/masks.png, and the report
/// shows the picture; runs of other methods get neither.
/// </summary>
/// <remarks>Runs alone: training sets torch's global generator and thread count.</remarks>
[Collection(ProcessWideStateCollection.Name)]
public class LevelMaskRunTests
{
    // Two epochs: G-HMLC refits its masks before the second (E = 1), so a model whose best epoch is the second holds
    // identified masks; the test reads whatever the best epoch saved and checks masks.json against it.
    static RunConfig Tiny(string method) => new()
    {
        Method = method, Dataset = "fashion-mnist-embedded", Epochs = 2, BatchSize = 64, TrainLimit = 256,
        ProbeEpochs = 2, Seed = 1, Threads = 2,
    };

    static void AssertPicture(string dir)
    {
        var png = Path.Combine(dir, RunPlots.FolderName, RunPlots.MasksFile);
        Assert.True(File.Exists(png), "plots/masks.png missing");
        using var bitmap = SKBitmap.Decode(png);
        Assert.True(bitmap.Width >= 128 * LevelMaskPlot.CellWidth(128) && bitmap.Height > 3 * 34, $"{bitmap.Width}×{bitmap.Height}");
        var html = HtmlReport.Build(dir);
        Assert.Contains($"({RunPlots.MasksFile})", html);
    }

    [Fact]
    public void AGHmlcRunWritesTheMasksOfItsModelAndTheirPicture()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        var output = new StringWriter();
        TrainRun.Run(Tiny("g-hmlc"), dir, new TrainRun.Options { Progress = new ProgressReporter(output, false) });
        var lines = output.ToString().Split('\n');

        var summary = LevelMaskSummary.Read(Path.Combine(dir, LevelMaskSummary.FileName));
        Assert.Equal("g-hmlc", summary.Method);
        Assert.True(summary.Hard);
        Assert.Equal(new[] { "group", "type", "item" }, summary.LevelNames);
        Assert.Equal(128, summary.Dimensions);
        using (var run = TrainedRun.Open(dir))
        {
            var objective = (GHmlcLoss)((ImageMethodModel)run.Model).Objective!;
            using var masks = objective.Masks;
            var stored = masks.to(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
            for (int h = 0; h < 3; h++)
                Assert.Equal(stored.Skip(h * 128).Take(128), summary.Masks[h]);
        }
        // Before a refit every mask is all ones; after one the masks partition the dimensions. Either way every dim is used.
        Assert.Equal(0, summary.UnusedDimensions);
        Assert.True(summary.DimensionsAboveHalf.Sum() is 128 or 3 * 128, string.Join(", ", summary.DimensionsAboveHalf));
        Assert.Contains(lines, l => l.StartsWith("level masks: group ", StringComparison.Ordinal));
        AssertPicture(dir);
    }

    [Fact]
    public void AnAHmlcRunWritesMeanSoftMasksOverTheValidationImages()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        var config = Tiny("a-hmlc") with { Epochs = 1, TrainLimit = 128 };   // the heads give soft masks from the start
        TrainRun.Run(config, dir, new TrainRun.Options());

        var summary = LevelMaskSummary.Read(Path.Combine(dir, LevelMaskSummary.FileName));
        Assert.Equal("a-hmlc", summary.Method);
        Assert.False(summary.Hard);
        Assert.Equal(TrainRun.OpenData(config).Validation.Count, summary.Images);
        Assert.Contains("validation images", summary.Source);
        Assert.All(summary.Masks, m => Assert.All(m, v => Assert.InRange(v, 0, 1)));
        // Soft masks: no value is exactly 0 or 1, so every overlap lies strictly between.
        Assert.InRange(summary.Overlap[0, 2], 1e-6, 1 - 1e-6);
        AssertPicture(dir);
    }

    [Fact]
    public void OtherMethodsWriteNoMasks()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        TrainRun.Run(Tiny("hmlc") with { Epochs = 1, TrainLimit = 128 }, dir, new TrainRun.Options());
        Assert.False(File.Exists(Path.Combine(dir, LevelMaskSummary.FileName)));
        Assert.False(File.Exists(Path.Combine(dir, RunPlots.FolderName, RunPlots.MasksFile)));
        Assert.True(File.Exists(Path.Combine(dir, RunPlots.FolderName, "accuracy.png")));
    }
}
