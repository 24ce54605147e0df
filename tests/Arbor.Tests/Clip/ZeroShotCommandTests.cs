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
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ArborCli.Run(["zeroshot", "--clip", clip, "--dataset", data, "--split", "train", "--out", run, "--marginalize"], output, error);
        Assert.True(code == 0, error.ToString());
        var report = MetricsReport.Read(Path.Combine(run, "metrics.json"));
        Assert.Equal("zeroshot", report.Method);
        Assert.Equal(2, report.Levels.Count);
        Assert.Equal(2, report.Levels[0].Classes);
        Assert.Equal(4, report.Levels[1].Classes);
        Assert.True(report.Samples > 0);

        error = new StringWriter();
        code = ArborCli.Run(["zeroshot", "--clip", clip, "--dataset", data, "--split", "train", "--out", run], new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Contains("--force", error.ToString());
    }
}
