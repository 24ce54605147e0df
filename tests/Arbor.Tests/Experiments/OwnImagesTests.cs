using System.Text.Json;
using Arbor.Data;
using Arbor.Experiments;
using Arbor.Tests.Data;
using Arbor.Training;
using SkiaSharp;

namespace Arbor.Tests.Experiments;

/// <summary>
/// A user's own images end to end: a folder tree (and a manifest) of mixed sizes and modes with a corrupt file trains,
/// evaluates, and predicts from the run folder alone after the data moved away.
/// </summary>
public class OwnImagesTests
{
    static readonly (string Coarse, string Fine, SKColor Color)[] Classes =
    {
        ("animal", "cat", new SKColor(220, 40, 40)), ("animal", "dog", new SKColor(230, 160, 30)),
        ("vehicle", "car", new SKColor(30, 60, 220)), ("vehicle", "bus", new SKColor(40, 200, 70)),
    };

    /// <summary>
    /// root/coarse/fine/*: PNG (RGB, grayscale, palette), JPEG, WebP and GIF files of several sizes, 7 per class, plus
    /// (when asked) a truncated PNG in cat/. Returns the corrupt file's path.
    /// </summary>
    internal static string? WriteImageTree(string root, bool withCorrupt)
    {
        foreach (var (coarse, fine, color) in Classes)
        {
            var dir = Path.Combine(root, coarse, fine);
            Directory.CreateDirectory(dir);
            for (int i = 0; i < 7; i++)
            {
                int w = 12 + 4 * (i % 3), h = 12 + 4 * ((i + 1) % 3);
                SKColor Shade(int x, int y) => new((byte)Math.Clamp(color.Red + 3 * x - 2 * i, 0, 255), (byte)Math.Clamp(color.Green + 2 * y, 0, 255), color.Blue);
                using var bitmap = ImageBytes.Bitmap(w, h, Shade);
                var (name, bytes) = (i % 4) switch
                {
                    0 => ($"{i}.png", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Png)),
                    1 => ($"{i}.jpg", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Jpeg, 90)),
                    2 => ($"{i}.webp", ImageBytes.Encode(bitmap, SKEncodedImageFormat.Webp, 90)),
                    _ => ($"{i}.png", ImageBytes.Png(2, 2, 3, 8, new byte[] { 0, 1, 1, 0 },
                        palette: new[] { color.Red, color.Green, color.Blue, (byte)(color.Red / 2), (byte)(color.Green / 2), (byte)(color.Blue / 2) })),
                };
                File.WriteAllBytes(Path.Combine(dir, name), bytes);
            }
            File.WriteAllBytes(Path.Combine(dir, "gray.png"), ImageBytes.Png(3, 3, 0, 8, Enumerable.Repeat((byte)(color.Red / 3 + 40), 9).ToArray()));
        }
        File.WriteAllBytes(Path.Combine(root, "vehicle", "bus", "anim.gif"), ImageBytes.TwoFrameGif());
        if (!withCorrupt) return null;
        var good = File.ReadAllBytes(Path.Combine(root, "animal", "cat", "0.png"));
        var corrupt = Path.Combine(root, "animal", "cat", "broken.png");
        File.WriteAllBytes(corrupt, good[..41]);
        return corrupt;
    }

    [Fact]
    public void AFolderOfMixedImagesTrainsAndItsRunPredictsAfterTheDataMoved()
    {
        using var tmp = TestPaths.NewTempFolder();
        var data = tmp.File("my-images");
        var corrupt = WriteImageTree(data, withCorrupt: true)!;
        var run = tmp.File("run");
        string[] Train(params string[] extra) => new[] { "train", "-m", "ce", "-d", data, "--epochs", "1", "--batch", "8",
            "--image-size", "16", "--threads", "1", "--out", run }.Concat(extra).ToArray();

        // By default the corrupt file stops the run before the folder exists.
        var refused = CliHarness.Run(Train());
        Assert.Equal(2, refused.Code);
        Assert.Contains(corrupt, refused.Err);
        Assert.Contains("--skip-bad-images", refused.Err);
        Assert.False(Directory.Exists(run));

        var trained = CliHarness.Run(Train("--skip-bad-images"));
        Assert.True(trained.Code == 0, trained.Err + trained.Out);
        // Progress and data notes go to standard error (standard output keeps the results).
        Assert.Contains("1 bad, skipped", trained.Out + trained.Err);
        Assert.Contains("16×16 px (--image-size)", trained.Out + trained.Err);
        Assert.Contains(corrupt, File.ReadAllText(Path.Combine(run, "skipped-images.txt")));
        var card = File.ReadAllText(Path.Combine(run, "README.md"));
        Assert.Contains("--skip-bad-images", card);
        Assert.Contains("| 2 | level2 | 4 |", card);
        var config = RunConfig.Read(Path.Combine(run, "config.json"));
        Assert.Equal("data", config.Normalization);
        Assert.Equal(3, config.Mean!.Length);

        // The data moves away; a copy of the run folder elsewhere predicts exactly what the original does.
        var query = tmp.File("query.jpg");
        File.Copy(Path.Combine(data, "vehicle", "car", "1.jpg"), query);
        var moved = tmp.File("moved-images");
        Directory.Move(data, moved);
        var copy = tmp.File("elsewhere/run-copy");
        CopyFolder(run, copy);
        var fromRun = CliHarness.Run("predict", "--run", run, query, "--json");
        var fromCopy = CliHarness.Run("predict", "--run", copy, query, "--json");
        Assert.True(fromRun.Code == 0, fromRun.Err);
        Assert.Equal(fromRun.Out, fromCopy.Out);
        Assert.Equal("", fromRun.Err);   // no NNPACK noise, no warnings
        using (var json = JsonDocument.Parse(fromRun.Out))
            Assert.Equal(2, json.RootElement[0].GetProperty("levels").GetArrayLength());

        // eval takes the moved dataset (any folder with the run's classes); the corrupt file is skipped when asked.
        var eval = CliHarness.Run("eval", "--run", copy, "--dataset", moved, "--skip-bad-images", "--json");
        Assert.True(eval.Code == 0, eval.Err);
        // predict on the corrupt file: an error naming it, or a skip notice.
        var bad = Path.Combine(moved, "animal", "cat", "broken.png");
        var predictBad = CliHarness.Run("predict", "--run", copy, query, bad);
        Assert.Equal(2, predictBad.Code);
        Assert.Contains(bad, predictBad.Err);
        var predictSkip = CliHarness.Run("predict", "--run", copy, query, bad, "--skip-bad-images");
        Assert.Equal(0, predictSkip.Code);
        Assert.Contains("skipped:", predictSkip.Err);
        Assert.Single(predictSkip.Out.Trim().Split('\n'));
    }

    [Fact]
    public void AManifestTrainsWithHmlcAndInputDefaultsFollowTheImages()
    {
        using var tmp = TestPaths.NewTempFolder();
        var data = tmp.File("imgs");
        WriteImageTree(data, withCorrupt: false);
        var manifest = tmp.File("labels.csv");
        File.WriteAllLines(manifest, new[] { "path,leaf" }.Concat(
            Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Order()
                .Select(f => $"{Path.GetRelativePath(tmp.Path, f)},{Path.GetFileName(Path.GetDirectoryName(f))}")));
        var hierarchy = tmp.File("tree.csv");
        File.WriteAllLines(hierarchy, new[] { "group,kind" }.Concat(Classes.Select(c => $"{c.Coarse},{c.Fine}")));

        var config = new RunConfig
        {
            Method = "hmlc", Dataset = manifest, Hierarchy = hierarchy, Epochs = 1, BatchSize = 8, ProbeEpochs = 2,
            ImageSize = 16, Threads = 1, Seed = 3,
        };
        var report = TrainRun.Run(config, tmp.File("run"), new TrainRun.Options());
        Assert.Equal(new[] { 2, 4 }, report.Levels.Select(l => l.Classes));
        File.Delete(hierarchy);   // the run keeps its own copy of the hierarchy
        Directory.Delete(data, recursive: true);
        using var trained = TrainedRun.Open(tmp.File("run"));
        Assert.Equal(new[] { "group", "kind" }, trained.Hierarchy.LevelNames);

        // Without --image-size: mixed sizes give 224 px, "data" normalisation measured on the training split.
        foreach (var (coarse, fine, color) in Classes)
            for (int i = 0; i < 5; i++)
                DataFixtures.WritePng(Path.Combine(tmp.Path, "uniform", coarse, fine, $"{i}.png"), 20, 20, color);
        var splits = TrainRun.OpenData(new RunConfig { Dataset = tmp.File("uniform") });
        var check = ImageFileCheck.Run(splits, skipBad: false, statistics: true);
        Assert.Equal((20, 20), check.CommonSize);
        var resolved = RunValidation.ResolveInput(TrainRun.Resolve(new RunConfig { Method = "ce" }), splits, check, ProgressReporter.Silent);
        Assert.Equal(20, resolved.ImageSize);
        // Solid images: the mean is the training images' average colour.
        var train = splits.Train.Leaves.Select(l => Classes.Single(c => c.Fine == splits.Hierarchy.Node(2, l).Name).Color).ToArray();
        Assert.Equal(train.Average(c => c.Red / 255.0), resolved.Mean![0], 4);
        Assert.Equal(train.Average(c => c.Blue / 255.0), resolved.Mean[2], 4);
    }

    /// <summary>
    /// The crossed pairs of the tests above, end to end through the CLI: a folder tree with hmlc and a manifest with ce
    /// each train, evaluate, predict after the data moved away, and a copy of the run folder predicts identically.
    /// </summary>
    [Theory]
    [InlineData("folder", "hmlc")]
    [InlineData("manifest", "ce")]
    public void EachLayoutTrainsWithEachMethodFamilyAndPredictsFromACopiedRunAfterTheDataMoved(string layout, string method)
    {
        using var tmp = TestPaths.NewTempFolder();
        var images = tmp.File("data/images");
        WriteImageTree(images, withCorrupt: false);
        string dataset = images;
        var extra = new List<string>();
        if (layout == "manifest")
        {
            dataset = tmp.File("data/labels.csv");
            File.WriteAllLines(dataset, new[] { "path,leaf" }.Concat(
                Directory.EnumerateFiles(images, "*", SearchOption.AllDirectories).Order()
                    .Select(f => $"{Path.GetRelativePath(tmp.File("data"), f)},{Path.GetFileName(Path.GetDirectoryName(f))}")));
            var tree = tmp.File("data/tree.csv");
            File.WriteAllLines(tree, new[] { "group,kind" }.Concat(Classes.Select(c => $"{c.Coarse},{c.Fine}")));
            extra.AddRange(["--hierarchy", tree]);
        }
        if (method == "hmlc") extra.AddRange(["--probe-epochs", "2"]);
        var run = tmp.File("run");
        var trained = CliHarness.Run(["train", "-m", method, "-d", dataset, "--epochs", "1", "--batch", "8", "--image-size", "16",
            "--threads", "1", "--seed", "4", "--out", run, "--json", .. extra]);
        Assert.True(trained.Code == 0, trained.Err);
        using (var metrics = JsonDocument.Parse(trained.Out))
            Assert.Equal(new[] { 2, 4 }, metrics.RootElement.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("classes").GetInt32()));
        var eval = CliHarness.Run("eval", "--run", run, "--json");
        Assert.True(eval.Code == 0, eval.Err);

        var query = tmp.File("query.webp");
        File.Copy(Path.Combine(images, "vehicle", "bus", "2.webp"), query);
        Directory.Move(tmp.File("data"), tmp.File("moved"));   // the images, the manifest and its hierarchy
        var copy = tmp.File("elsewhere/run");
        CopyFolder(run, copy);
        var fromRun = CliHarness.Run("predict", "--run", run, query, "--json");
        var fromCopy = CliHarness.Run("predict", "--run", copy, query, "--json");
        Assert.True(fromRun.Code == 0, fromRun.Err);
        Assert.Equal(fromRun.Out, fromCopy.Out);
        using (var json = JsonDocument.Parse(fromRun.Out))
            Assert.Equal(layout == "manifest" ? ["group", "kind"] : new[] { "level1", "level2" },
                json.RootElement[0].GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        // eval of the copy against the moved data gives the same metrics as before the move.
        var movedData = layout == "manifest" ? tmp.File("moved/labels.csv") : tmp.File("moved/images");
        var evalMoved = CliHarness.Run("eval", "--run", copy, "--dataset", movedData, "--json");
        Assert.True(evalMoved.Code == 0, evalMoved.Err);
        using var before = JsonDocument.Parse(eval.Out);
        using var after = JsonDocument.Parse(evalMoved.Out);
        Assert.Equal(before.RootElement.GetProperty("full_path").GetDouble(), after.RootElement.GetProperty("full_path").GetDouble());
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}

