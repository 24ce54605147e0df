using Arbor.Data;
using SkiaSharp;
using TorchSharp;

namespace Arbor.Tests.Data;

public class FileDatasetTests
{
    static readonly SKColor Red = new(255, 0, 0), Blue = new(0, 0, 255);

    static void WriteTree(string root)
    {
        foreach (var (coarse, fine, color) in new[] { ("animal", "cat", Red), ("animal", "dog", Blue), ("vehicle", "car", SKColors.Lime) })
            for (int i = 0; i < 5; i++)
                DataFixtures.WritePng(Path.Combine(root, coarse, fine, $"{i}.png"), 10 + i, 12, color);
    }

    [Fact]
    public void FolderTreeBuildsHierarchyAndDecodesResizedRgb()
    {
        using var tmp = TestPaths.NewTempFolder();
        WriteTree(tmp.Path);
        var splits = DatasetCatalog.Open(tmp.Path, new DatasetOptions { TestFraction = 0.2, ValidationFraction = 0.25, Seed = 1 });
        var h = splits.Hierarchy;
        Assert.Equal(new[] { 2, 3 }, h.ClassCounts);
        Assert.Equal(15, splits.Train.Count + splits.Validation.Count + splits.Test.Count);
        Assert.Equal(3, splits.Test.Count);
        Assert.All(splits.Test.CountPerLeaf(), c => Assert.Equal(1, c));
        Assert.Null(splits.Train.FixedShape);
        var loader = new BatchLoader(splits.Train, new BatchLoaderOptions
        {
            BatchSize = 32, ImageSize = 6, Normalization = Normalization.None, Shuffle = false, Prefetch = 0,
        });
        using var batch = loader.GetBatches(0).Single();
        Assert.Equal(new long[] { splits.Train.Count, 3, 6, 6 }, batch.Images.shape);
        for (int i = 0; i < batch.Count; i++)
        {
            var leaf = h.Node(2, splits.Train.LeafOf(i)).Name;
            var expected = leaf switch { "cat" => new[] { 1f, 0, 0 }, "dog" => new[] { 0f, 0, 1 }, _ => new[] { 0f, 1, 0 } };
            for (int c = 0; c < 3; c++) Assert.Equal(expected[c], batch.Images[i, c, 3, 3].item<float>(), 2);
            Assert.Contains($"{Path.DirectorySeparatorChar}{leaf}{Path.DirectorySeparatorChar}", splits.Train.SourceOf(i));
        }
    }

    [Fact]
    public void TrainAndTestFoldersAreTheSplits()
    {
        using var tmp = TestPaths.NewTempFolder();
        WriteTree(Path.Combine(tmp.Path, "train"));
        DataFixtures.WritePng(Path.Combine(tmp.Path, "test", "animal", "cat", "t.png"), 8, 8, Red);
        var splits = DatasetCatalog.Open(tmp.Path, new DatasetOptions { ValidationFraction = 0.2 });
        Assert.Equal(1, splits.Test.Count);
        Assert.Equal(12, splits.Train.Count);
        Assert.Equal(3, splits.Validation.Count);
    }

    [Fact]
    public void EmptyClassFolderIsAnErrorNamingIt()
    {
        using var tmp = TestPaths.NewTempFolder();
        WriteTree(tmp.Path);
        Directory.CreateDirectory(Path.Combine(tmp.Path, "vehicle", "bus"));
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(tmp.Path));
        Assert.Contains("empty class", e.Message);
        Assert.Contains(Path.Combine("vehicle", "bus"), e.Message);
    }

    [Fact]
    public void CorruptOrMissingImageNamesTheFileWhenLoaded()
    {
        using var tmp = TestPaths.NewTempFolder();
        WriteTree(tmp.Path);
        var bad = Path.Combine(tmp.Path, "animal", "cat", "2.png");
        File.WriteAllBytes(bad, File.ReadAllBytes(bad)[..40]);   // truncated PNG
        var splits = DatasetCatalog.Open(tmp.Path, new DatasetOptions { TestFraction = 0, ValidationFraction = 0 });
        var loader = new BatchLoader(splits.Train, new BatchLoaderOptions { BatchSize = 4, ImageSize = 8, Prefetch = 2 });
        var e = Assert.Throws<DatasetException>(() => { foreach (var b in loader.GetBatches(0)) b.Dispose(); });
        Assert.Contains(bad, e.Message);
        File.Delete(bad);
        int index = Enumerable.Range(0, splits.Train.Count).First(i => splits.Train.SourceOf(i) == bad);
        Assert.Contains("not found", Assert.Throws<DatasetException>(() => splits.Train.GetImage(index)).Message);
    }

    [Fact]
    public void ManifestReadsRowsAndNamesBadLines()
    {
        using var tmp = TestPaths.NewTempFolder();
        WriteTree(Path.Combine(tmp.Path, "img"));
        var h = DataFixtures.TwoByTwo();
        var rows = new List<string> { "path,leaf,split" };
        for (int i = 0; i < 5; i++)
        {
            rows.Add($"img/animal/cat/{i}.png,cat,{(i == 0 ? "test" : "train")}");
            rows.Add($"img/animal/dog/{i}.png,dog,train");
            rows.Add($"img/vehicle/car/{i}.png,car,{(i == 1 ? "val" : "train")}");
        }
        Directory.CreateDirectory(tmp.File("img/vehicle/bus"));
        File.Copy(tmp.File("img/vehicle/car/4.png"), tmp.File("img/vehicle/bus/0.png"));
        rows.Add("img/vehicle/bus/0.png,bus,train");                // bus gets one image
        File.WriteAllLines(tmp.File("m.csv"), rows);
        var splits = DatasetCatalog.Open(tmp.File("m.csv"), new DatasetOptions { Hierarchy = h });
        Assert.Equal(1, splits.Test.Count);
        Assert.Equal(1, splits.Validation.Count);
        Assert.Equal(14, splits.Train.Count);
        Assert.Equal(h.LeafId("bus"), splits.Train.LeafOf(13));

        rows.Add("img/vehicle/car/0.png,plane,train");
        File.WriteAllLines(tmp.File("bad-label.csv"), rows);
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(tmp.File("bad-label.csv"), new DatasetOptions { Hierarchy = h }));
        Assert.Equal(rows.Count, e.Line);
        Assert.Contains($"bad-label.csv:{rows.Count}:", e.Message);
        Assert.Contains("'plane'", e.Message);

        File.WriteAllLines(tmp.File("missing.csv"), new[] { "img/animal/cat/99.png,cat" });
        var m = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(tmp.File("missing.csv"), new DatasetOptions { Hierarchy = h }));
        Assert.Contains("missing.csv:1:", m.Message);
        Assert.Contains("99.png", m.Message);

        File.WriteAllLines(tmp.File("empty.csv"), new[] { "img/animal/cat/0.png,cat" });
        var empty = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(tmp.File("empty.csv"), new DatasetOptions { Hierarchy = h }));
        Assert.Contains("empty class", empty.Message);
    }

    [Fact]
    public void EmojiStylesAreDomainsAndComponentIsSkipped()
    {
        using var tmp = TestPaths.NewTempFolder();
        var emoji = new[]
        {
            ("Smileys & Emotion", "face-smiling", "grinning", "1f600.png", true),
            ("Smileys & Emotion", "face-smiling", "smile", "1f604.png", true),
            ("Smileys & Emotion", "heart", "heart", "2764.png", true),
            ("Animals & Nature", "animal-mammal", "dog", "1f415.png", false),   // no facebook image
            ("Component", "skin-tone", "skin-tone-2", "1f3fb.png", true),
        };
        foreach (var style in new[] { "google", "twitter", "facebook" })
        {
            var package = Path.Combine(tmp.Path, $"emoji-datasource-{style}");
            var json = "[" + string.Join(",", emoji.Select((e, i) =>
                $$"""{"category":"{{e.Item1}}","subcategory":"{{e.Item2}}","short_name":"{{e.Item3}}","image":"{{e.Item4}}","sort_order":{{i}},"has_img_google":true,"has_img_twitter":true,"has_img_facebook":{{(e.Item5 ? "true" : "false")}}}""")) + "]";
            Directory.CreateDirectory(package);
            File.WriteAllText(Path.Combine(package, "emoji.json"), json);
            for (int i = 0; i < emoji.Length; i++)
                if (style != "facebook" || emoji[i].Item5)
                    DataFixtures.WritePng(Path.Combine(package, "img", style, "64", emoji[i].Item4), 64, 64, new SKColor((byte)(40 * i), 0, 0));
        }
        var splits = DatasetCatalog.Open("emoji", new DatasetOptions { Root = tmp.Path, ValidationFraction = 0 });
        Assert.Equal(new[] { 2, 3, 4 }, splits.Hierarchy.ClassCounts);
        Assert.False(splits.Hierarchy.TryFind(1, "Component", out _));
        Assert.True(splits.Hierarchy.TryFind(3, "heart emoji", out _));      // leaf renamed: it equals its subcategory
        Assert.Equal(8, splits.Train.Count);                 // google + twitter
        Assert.Equal(3, splits.Test.Count);                  // facebook lacks the dog
        Assert.All(Enumerable.Range(0, 3), i => Assert.Contains("img/facebook/64", splits.Test.SourceOf(i)));

        var twitterTest = DatasetCatalog.Open("emoji-twitter", new DatasetOptions { Root = tmp.Path, ValidationFraction = 0 });
        Assert.Equal(4, twitterTest.Test.Count);
        Assert.Equal(7, twitterTest.Train.Count);             // google 4 + facebook 3
        using var image = splits.Test.GetImage(2);
        Assert.Equal(new long[] { 3, 64, 64 }, image.shape);
    }

    [Theory]
    [InlineData("[5]", "is not an object")]
    [InlineData("[{\"category\":\"a\",\"subcategory\":\"b\",\"short_name\":\"c\",\"image\":\"../../secret.png\"}]", "not a plain file name")]
    [InlineData("[{\"category\":\"a\",\"category\":\"b\"}]", "appears twice")]
    [InlineData("[{\"category\":\"\\ud800\"}]", "lone surrogate")]
    public void EmojiCatalogueIsReadStrictly(string json, string problem)
    {
        using var tmp = TestPaths.NewTempFolder();
        foreach (var style in new[] { "google", "twitter", "facebook" })
        {
            var package = Path.Combine(tmp.Path, $"emoji-datasource-{style}");
            Directory.CreateDirectory(Path.Combine(package, "img", style, "64"));
            File.WriteAllText(Path.Combine(package, "emoji.json"), json);
        }
        var e = Assert.ThrowsAny<ArborException>(() => DatasetCatalog.Open("emoji", new DatasetOptions { Root = tmp.Path }));
        Assert.Contains("emoji.json", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
