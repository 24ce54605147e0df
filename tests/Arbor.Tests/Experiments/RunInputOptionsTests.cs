using Arbor.Tests.Data;
using SkiaSharp;

namespace Arbor.Tests.Experiments;

/// <summary>
/// --image-size and --channels mean the same on every command: train picks the input, eval and predict default to the
/// run's stored input and refuse what its model cannot take, data info states the input train would pick, data preview
/// shows images as a model reads them.
/// </summary>
public class RunInputOptionsTests
{
    static readonly (string Coarse, string Fine, SKColor Color)[] Classes =
    {
        ("animal", "cat", new SKColor(220, 40, 40)), ("animal", "dog", new SKColor(230, 160, 30)),
        ("vehicle", "car", new SKColor(30, 60, 220)), ("vehicle", "bus", new SKColor(40, 200, 70)),
    };

    /// <summary>root/coarse/fine/i.png: solid <paramref name="size"/>² images, 6 per class.</summary>
    static string WriteSolidTree(TempFolder tmp, string name, int size)
    {
        var root = tmp.File(name);
        foreach (var (coarse, fine, color) in Classes)
            for (int i = 0; i < 6; i++)
                DataFixtures.WritePng(Path.Combine(root, coarse, fine, $"{i}.png"), size, size + (i == 5 && size > 20 ? 3 : 0), color);
        return root;
    }

    [Fact]
    public void EvalAndPredictDefaultToTheRunsInputAndRefuseAChannelCountItsModelCannotTake()
    {
        using var tmp = TestPaths.NewTempFolder();
        var data = WriteSolidTree(tmp, "solid", 12);
        var run = tmp.File("run");
        var trained = CliHarness.Run("train", "-m", "ce", "-d", data, "--epochs", "1", "--batch", "8", "--channels", "1",
            "--threads", "1", "--out", run);
        Assert.True(trained.Code == 0, trained.Err);
        Assert.Contains("12×12 px (every image is this size), 1 channel", trained.Err);
        var image = Path.Combine(data, "vehicle", "car", "0.png");

        // The run's own values are the default: giving them changes nothing.
        var plain = CliHarness.Run("predict", "--run", run, image, "--json");
        var same = CliHarness.Run("predict", "--run", run, image, "--json", "--image-size", "12", "--channels", "1");
        Assert.True(plain.Code == 0, plain.Err);
        Assert.Equal(plain.Out, same.Out);
        Assert.Equal("", same.Err);

        // Another channel count contradicts the model's first layer: refused with the run's value, for eval and predict.
        foreach (var command in new[] { new[] { "predict", "--run", run, image }, new[] { "eval", "--run", run } })
        {
            var refused = CliHarness.Run(command.Concat(new[] { "--channels", "3" }).ToArray());
            Assert.Equal(2, refused.Code);
            Assert.Contains("--channels 3: this run's model takes 1-channel images", refused.Err);
            Assert.Contains("config.json", refused.Err);
        }
        Assert.Equal(2, CliHarness.Run("eval", "--run", run, "--image-size", "4").Code);   // below the range train accepts

        // Another side: a convolutional backbone with global pooling takes it; the output says so and the eval result
        // goes to its own file, so the run-size result stays.
        var atRunSize = CliHarness.Run("eval", "--run", run, "--json");
        var larger = CliHarness.Run("eval", "--run", run, "--json", "--image-size", "24");
        Assert.True(larger.Code == 0, larger.Err);
        Assert.Contains("images are read at 24×24 px; the model was trained at 12×12 px", larger.Err);
        Assert.True(File.Exists(Path.Combine(run, "eval-solid-test-consistent.json")));
        Assert.True(File.Exists(Path.Combine(run, "eval-solid-test-consistent-24px.json")));
        Assert.Equal(atRunSize.Out, File.ReadAllText(Path.Combine(run, "eval-solid-test-consistent.json")).TrimEnd() + Environment.NewLine);
        var predictLarger = CliHarness.Run("predict", "--run", run, image, "--json", "--image-size", "24");
        Assert.Equal(0, predictLarger.Code);
        Assert.NotEqual(plain.Out, predictLarger.Out);   // bilinear upscaling of a solid image changes nothing but the convolution borders
    }

    [Fact]
    public void DataInfoStatesTheInputTrainWouldPick()
    {
        using var tmp = TestPaths.NewTempFolder();
        var uniform = WriteSolidTree(tmp, "uniform", 10);
        var mixed = WriteSolidTree(tmp, "mixed", 30);   // one image per class is 30×33

        var info = CliHarness.Run("data", "info", uniform);
        Assert.True(info.Code == 0, info.Err);
        Assert.Contains("checked 24 image files: all decode; all 10×10", info.Out);
        Assert.Contains("model input: 10×10 px (every image is this size), 3 channels", info.Out);
        Assert.Contains("model input: 224×224 px (images vary in size; the default), 1 channel",
            CliHarness.Run("data", "info", mixed, "--channels", "1").Out);
        var given = CliHarness.Run("data", "info", mixed, "--image-size", "32");
        Assert.Contains("model input: 32×32 px (--image-size), 3 channels", given.Out);
        Assert.DoesNotContain("checked", given.Out);   // a given size needs no pass over the files
        Assert.Contains("model input: 28×28 px (the dataset's size), 1 channel", CliHarness.Run("data", "info", "fashion-mnist-embedded").Out);

        var badSize = CliHarness.Run("data", "info", uniform, "--image-size", "5000");
        Assert.Equal(2, badSize.Code);
        Assert.Contains("--image-size must be from 8 to 1024", badSize.Err);
        Assert.Equal(2, CliHarness.Run("data", "preview", uniform, "--out", tmp.File("x.png"), "--channels", "2").Code);
        Assert.False(File.Exists(tmp.File("x.png")));
    }

    [Fact]
    public void DataPreviewShowsImagesAsTheModelReadsThem()
    {
        using var tmp = TestPaths.NewTempFolder();
        var data = WriteSolidTree(tmp, "solid", 10);
        var asStored = tmp.File("stored.png");
        var asRead = tmp.File("gray.png");
        Assert.Equal(0, CliHarness.Run("data", "preview", data, "--out", asStored, "--count", "4").Code);
        var gray = CliHarness.Run("data", "preview", data, "--out", asRead, "--count", "4", "--channels", "1", "--image-size", "16");
        Assert.True(gray.Code == 0, gray.Err);

        // The first tile's centre: the class colour as stored, its grey value (R = G = B) as a 1-channel model reads it.
        using var stored = SKBitmap.Decode(asStored);
        using var read = SKBitmap.Decode(asRead);
        var colour = stored.GetPixel(70, 70);
        var grey = read.GetPixel(70, 70);
        Assert.Contains(Classes, c => c.Color.Red == colour.Red && c.Color.Green == colour.Green && c.Color.Blue == colour.Blue);
        Assert.True(grey.Red == grey.Green && grey.Green == grey.Blue, $"expected grey, got {grey}");
        // The grey value is the luma of that class colour (ITU-R 601 weights), not a flat channel copy.
        double luma = 0.299 * colour.Red + 0.587 * colour.Green + 0.114 * colour.Blue;
        Assert.InRange(grey.Red, luma - 2, luma + 2);
    }
}
