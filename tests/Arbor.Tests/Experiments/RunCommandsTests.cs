using System.Text.Json;
using Arbor.Hierarchy;
using Arbor.Tests.Data;
using SkiaSharp;

namespace Arbor.Tests.Experiments;

/// <summary>`arbor train`, `eval` and `predict` through the command line on a tiny cross-entropy run.</summary>
public class RunCommandsTests
{
    [Fact]
    public void TrainEvalAndPredictWorkTogetherFromTheCommandLine()
    {
        using var tmp = TestPaths.NewTempFolder();
        var run = tmp.File("run");
        var train = CliHarness.Run("train", "--method", "ce", "--dataset", "fashion-mnist-embedded", "--epochs", "1",
            "--batch", "64", "--train-limit", "256", "--threads", "2", "--out", run);
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("full path", train.Out);

        // Refused without --force, and the run is untouched.
        var again = CliHarness.Run("train", "--method", "ce", "--dataset", "fashion-mnist-embedded", "--out", run);
        Assert.Equal(2, again.Code);
        Assert.Contains("--force", again.Err);

        // Consistent decoding never contradicts the tree.
        var eval = CliHarness.Run("eval", "--run", run, "--decoding", "consistent", "--json");
        Assert.True(eval.Code == 0, eval.Err);
        using (var metrics = JsonDocument.Parse(eval.Out))
        {
            Assert.Equal(1.0, metrics.RootElement.GetProperty("consistency").GetDouble());
            Assert.Equal("consistent", metrics.RootElement.GetProperty("decoding").GetString());
        }
        Assert.True(File.Exists(Path.Combine(run, "eval-fashion-mnist-embedded-test-consistent.json")));

        var image = tmp.File("shoe.png");
        DataFixtures.WritePng(image, 28, 28, SKColors.Black, SKColors.White);
        var predict = CliHarness.Run("predict", "--run", run, image, "--json");
        Assert.True(predict.Code == 0, predict.Err);
        using (var predictions = JsonDocument.Parse(predict.Out))
        {
            var levels = predictions.RootElement[0].GetProperty("levels").EnumerateArray().ToArray();
            Assert.Equal(3, levels.Length);
            var hierarchy = BuiltInHierarchies.FashionMnist();
            // The labels form a valid root-to-leaf path, with probabilities in (0, 1].
            var leaf = hierarchy.LeafId(levels[2].GetProperty("label").GetString()!);
            for (int l = 0; l < 3; l++)
            {
                Assert.Equal(hierarchy.Node(l + 1, hierarchy.AncestorAt(leaf, l + 1)).Name, levels[l].GetProperty("label").GetString());
                var p = levels[l].GetProperty("probability").GetDouble();
                Assert.InRange(p, 1e-9, 1.0);
            }
        }

        var missing = CliHarness.Run("predict", "--run", run, tmp.File("nope.png"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("nope.png", missing.Err);
    }
}
