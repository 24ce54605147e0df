using Arbor.Cli;
using Arbor.Evaluation;
using SkiaSharp;

namespace Arbor.Tests.Clip;

public class ZeroShotCommandTests
{
    static string ClipFolder(TempFolder dir)
    {
        var model = dir.File("clip");
        Directory.CreateDirectory(model);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            File.Copy(TestPaths.Fixture("clip-tiny", f), Path.Combine(model, f));
        var vocab = new Dictionary<string, int>();
        foreach (var c in "abcdefghijklmnopqrstuvwxyz.") { vocab[c.ToString()] = vocab.Count; vocab[c + "</w>"] = vocab.Count; }
        vocab["<|startoftext|>"] = 298;
        vocab["<|endoftext|>"] = 299;
        File.WriteAllText(Path.Combine(model, "vocab.json"), System.Text.Json.JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(model, "merges.txt"), "#version: 0.2\n");
        return model;
    }

    [Fact]
    public void WritesPerLevelMetricsAndRefusesAnExistingRun()
    {
        using var dir = TestPaths.NewTempFolder();
        var clip = ClipFolder(dir);
        var data = dir.File("tree");
        var rng = new Random(1);
        foreach (var (group, leaf) in new[] { ("pet", "cat"), ("pet", "dog"), ("wild", "fox"), ("wild", "owl") })
        {
            var folder = Path.Combine(data, group, leaf);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < 6; i++)
            {
                using var bitmap = new SKBitmap(40, 36);
                bitmap.Erase(new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
                using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(folder, $"{i}.png"), png.ToArray());
            }
        }
        var run = dir.File("run");
        var (code, _, error) = CliHarness.Run("zeroshot", "--clip", clip, "--dataset", data, "--split", "train", "--out", run, "--marginalize");
        Assert.True(code == 0, error);
        var report = MetricsReport.Read(Path.Combine(run, "metrics.json"));
        Assert.Equal("zeroshot", report.Method);
        Assert.Equal(2, report.Levels.Count);
        Assert.Equal(2, report.Levels[0].Classes);
        Assert.Equal(4, report.Levels[1].Classes);
        Assert.True(report.Samples > 0);

        // The folder is a run: eval rebuilds the same classifier (templates, marginalisation from config.json) and gets the
        // same numbers; predict labels an image at both levels with the run's class names.
        var eval = CliHarness.Run("eval", "--run", run, "--split", "train", "--json");
        Assert.True(eval.Code == 0, eval.Err);
        var again = System.Text.Json.JsonDocument.Parse(eval.Out).RootElement;
        Assert.Equal(report.Samples, again.GetProperty("samples").GetInt32());
        var levels = again.GetProperty("levels").EnumerateArray().ToArray();
        for (int l = 0; l < 2; l++) Assert.Equal(report.Levels[l].Top1, levels[l].GetProperty("top1").GetDouble(), 6);
        Assert.Equal(report.FullPath, again.GetProperty("full_path").GetDouble(), 6);
        var image = Directory.GetFiles(Path.Combine(data, "wild", "owl"))[0];
        var predict = CliHarness.Run("predict", "--run", run, image, "--json");
        Assert.True(predict.Code == 0, predict.Err);
        var labels = System.Text.Json.JsonDocument.Parse(predict.Out).RootElement[0].GetProperty("levels").EnumerateArray()
            .Select(l => l.GetProperty("label").GetString()).ToArray();
        Assert.Contains(labels[0], new[] { "pet", "wild" });
        Assert.Contains(labels[1], labels[0] == "pet" ? new[] { "cat", "dog" } : new[] { "fox", "owl" });   // consistent decoding

        var html = CliHarness.Run("report", "--run", run);
        Assert.True(html.Code == 0, html.Err);
        Assert.True(File.Exists(Path.Combine(run, "report.html")));

        // The same method through the training path: nothing trains, the test split is evaluated, the folder is a run.
        var trained = CliHarness.Run("train", "--method", "zeroshot", "--clip", clip, "--dataset", data, "--out", dir.File("trained"), "--json");
        Assert.True(trained.Code == 0, trained.Err);
        Assert.Contains("nothing to train", trained.Err);
        Assert.Equal("zeroshot", System.Text.Json.JsonDocument.Parse(trained.Out).RootElement.GetProperty("method").GetString());
        Assert.Equal(0, CliHarness.Run("predict", "--run", dir.File("trained"), image).Code);

        (code, _, error) = CliHarness.Run("zeroshot", "--clip", clip, "--dataset", data, "--split", "train", "--out", run);
        Assert.Equal(2, code);
        Assert.Contains("--force", error);
    }
}
