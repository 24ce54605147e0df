using Arbor.Cli;
using SkiaSharp;

namespace Arbor.Tests.Data;

public class DataCommandTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void InfoShowsSplitsLevelsAndEmbeddedSource()
    {
        var (code, output, _) = Run("data", "info", "fashion-mnist-embedded", "--seed", "1");
        Assert.Equal(0, code);
        Assert.Contains("embedded 10,000-image", output);
        Assert.Matches(@"train\s+7200\s+2/2\s+6/6\s+10/10", output);
        Assert.Matches(@"validation\s+800", output);
        Assert.Matches(@"test\s+2000", output);
        Assert.Contains("image size: 1×28×28", output);
        Assert.Matches(@"Ankle boot\s+\d+\s+\d+\s+\d+", output);
    }

    [Fact]
    public void Info_json_carries_the_counts_of_every_class_per_split()
    {
        var (code, output, err) = Run("data", "info", "fashion-mnist-embedded", "--seed", "1", "--json");
        Assert.True(code == 0, err);
        var root = System.Text.Json.JsonDocument.Parse(output).RootElement;
        Assert.Equal("fashion-mnist-embedded", root.GetProperty("dataset").GetString());
        Assert.Equal(new[] { 2, 6, 10 }, root.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("classes").GetInt32()));
        Assert.Equal(28, root.GetProperty("image_size").GetProperty("width").GetInt32());
        var splits = root.GetProperty("splits").EnumerateArray().ToArray();
        Assert.Equal(new[] { "train", "validation", "test" }, splits.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(new[] { 7200, 800, 2000 }, splits.Select(s => s.GetProperty("images").GetInt32()));
        foreach (var split in splits)
        {
            var perLevel = split.GetProperty("images_per_class").EnumerateArray().Select(l => l.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
            Assert.Equal(new[] { 2, 6, 10 }, perLevel.Select(l => l.Length));
            Assert.All(perLevel, l => Assert.Equal(split.GetProperty("images").GetInt32(), l.Sum()));
        }
    }

    [Fact]
    public void A_hierarchy_that_does_not_fit_the_dataset_is_refused_in_one_line()
    {
        var (code, output, err) = Run("data", "info", "fashion-mnist-embedded", "--hierarchy", "cifar-100");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains("hierarchy 'cifar-100' does not fit fashion-mnist: it has 100 leaves, but fashion-mnist labels images with 10 classes", err);

        using var tmp = TestPaths.NewTempFolder();
        // Fashion-MNIST's classes regrouped (one level above the items), in its label order: accepted.
        var items = new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
        var regrouped = tmp.File("regrouped.txt");
        File.WriteAllLines(regrouped, items.Select((item, i) => $"{item}, {(i is 5 or 7 or 9 ? "footwear" : "other")}"));
        (code, output, err) = Run("data", "info", "fashion-mnist-embedded", "--hierarchy", regrouped);
        Assert.True(code == 0, err);
        Assert.Contains("2 levels", output);
        // The same classes in another order would relabel every image: refused, naming the first leaf that differs.
        var swapped = tmp.File("swapped.txt");
        File.WriteAllLines(swapped, items.Reverse().Select(item => $"{item}, all"));
        (code, _, err) = Run("data", "info", "fashion-mnist-embedded", "--hierarchy", swapped);
        Assert.Equal(2, code);
        Assert.Contains("its leaf 0 is 'Ankle boot', but fashion-mnist's label 0 is 'T-shirt/top'", err);
    }

    [Fact]
    public void InfoOnFolderOfIdxFilesCountsThem()
    {
        using var tmp = TestPaths.NewTempFolder();
        DataFixtures.WriteFashionFolder(tmp.Path, 50, 20);
        var (code, output, _) = Run("data", "info", tmp.Path, "--validation-fraction", "0.2");
        Assert.Equal(0, code);
        Assert.Matches(@"train\s+40\s", output);
        Assert.Matches(@"validation\s+10\s", output);
        Assert.Matches(@"test\s+20\s", output);
    }

    [Fact]
    public void BadInputExitsTwoNamingTheFile()
    {
        using var tmp = TestPaths.NewTempFolder();
        DataFixtures.WriteFashionFolder(tmp.Path, 10, 5);
        var labels = Path.Combine(tmp.Path, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..12]);
        var (code, _, err) = Run("data", "info", tmp.Path);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("t10k-labels-idx1-ubyte.gz", err);
        Assert.Equal(2, Run("data", "info", "no-such-dataset").Code);
    }

    [Fact]
    public void PreviewWritesALabelledGridAtomically()
    {
        using var tmp = TestPaths.NewTempFolder();
        var png = tmp.File("grid.png");
        var (code, output, err) = Run("data", "preview", "fashion-mnist-embedded", "--out", png, "--count", "10", "--split", "test");
        Assert.True(code == 0, err);
        Assert.Contains("10 images", output);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal(8 * 140, bitmap.Width);       // 8 columns of 128 px tiles + padding
        Assert.Equal(2 * 180, bitmap.Height);
        Assert.Single(Directory.GetFiles(tmp.Path));  // no temp file left behind
        // A bad split name fails without writing.
        Assert.Equal(2, Run("data", "preview", "fashion-mnist-embedded", "--out", tmp.File("x.png"), "--split", "nope").Code);
        Assert.False(File.Exists(tmp.File("x.png")));
    }

    [Fact]
    public void PreviewJsonNamesEachTilesLabelPath()
    {
        using var tmp = TestPaths.NewTempFolder();
        var png = tmp.File("grid.png");
        var (code, output, err) = Run("data", "preview", "fashion-mnist-embedded", "--out", png, "--count", "5", "--split", "test", "--json");
        Assert.True(code == 0, err);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(Path.GetFullPath(png), root.GetProperty("file").GetString());
        Assert.Equal("test", root.GetProperty("split").GetString());
        var tiles = root.GetProperty("tiles").EnumerateArray().ToArray();
        Assert.Equal(5, tiles.Length);
        var indices = tiles.Select(t => t.GetProperty("index").GetInt32()).ToArray();
        Assert.Equal(indices.Order(), indices);
        // Each path is group > type > item of the built-in Fashion-MNIST hierarchy, as the test split labels that image.
        var hierarchy = Arbor.Hierarchy.BuiltInHierarchies.FashionMnist();
        var test = Arbor.Data.DatasetCatalog.Open("fashion-mnist-embedded").Test;
        foreach (var tile in tiles)
        {
            var path = tile.GetProperty("path").EnumerateArray().Select(e => e.GetString()).ToArray();
            Assert.Equal(3, path.Length);
            var leaf = hierarchy.Node(3, test.LeafOf(tile.GetProperty("index").GetInt32()));
            Assert.Equal(leaf.Name, path[2]);
        }
    }
}

public class DataCommandManifestTests
{
    [Fact]
    public void InfoReadsAManifestWithAHierarchyFile()
    {
        using var tmp = TestPaths.NewTempFolder();
        var rows = new List<string>();
        foreach (var (leaf, color) in new[] { ("cat", SKColors.Red), ("dog", SKColors.Blue), ("car", SKColors.Lime), ("bus", SKColors.Gray) })
            for (int i = 0; i < 5; i++)
            {
                DataFixtures.WritePng(tmp.File($"{leaf}{i}.png"), 8, 8, color);
                rows.Add($"{leaf}{i}.png,{leaf}");
            }
        File.WriteAllLines(tmp.File("m.csv"), rows);
        File.WriteAllText(tmp.File("h.json"), """{"levels":["coarse","fine"],"tree":{"animal":["cat","dog"],"vehicle":["car","bus"]}}""");
        var (code, output, error) = CliHarness.Run("data", "info", tmp.File("m.csv"), "--hierarchy", tmp.File("h.json"));
        Assert.True(code == 0, error);
        Assert.Contains("image size: varies", output);
        Assert.Matches(@"test\s+4\s", output);
        // Without a hierarchy a manifest is an error naming it.
        (code, _, error) = CliHarness.Run("data", "info", tmp.File("m.csv"));
        Assert.Equal(2, code);
        Assert.Contains("m.csv", error);
    }
}
