using Arbor.Data;
using Arbor.Hierarchy;
using Arbor.IO;

namespace Arbor.Tests.Data;

public class IdxAndFashionMnistTests
{
    [Theory]
    [InlineData("a.idx")]
    [InlineData("a.idx.gz")]
    public void IdxRoundTripsRawAndGzip(string name)
    {
        using var tmp = TestPaths.NewTempFolder();
        var data = Enumerable.Range(0, 24).Select(i => (byte)(i * 3)).ToArray();
        DataFixtures.WriteIdx(tmp.File(name), new[] { 2, 3, 4 }, data);
        var idx = IdxFile.Read(tmp.File(name));
        Assert.Equal(new[] { 2, 3, 4 }, idx.Shape);
        Assert.Equal(data, idx.Data);
    }

    [Fact]
    public void TruncatedIdxNamesFileAndCounts()
    {
        using var tmp = TestPaths.NewTempFolder();
        var path = tmp.File("t.idx");
        DataFixtures.WriteIdx(path, new[] { 10, 4, 4 }, new byte[10 * 16]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var e = Assert.Throws<ArborException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("160", e.Message);
        File.WriteAllBytes(path, bytes[..6]);
        Assert.Contains("dimensions", Assert.Throws<ArborException>(() => IdxFile.Read(path)).Message);
    }

    [Fact]
    public void WrongMagicIsRejected()
    {
        using var tmp = TestPaths.NewTempFolder();
        var path = tmp.File("png-not-idx.gz");
        DataFixtures.WritePng(tmp.File("x.png"), 4, 4, SkiaSharp.SKColors.Red);
        File.Copy(tmp.File("x.png"), tmp.File("raw.idx"));
        var e = Assert.Throws<ArborException>(() => IdxFile.Read(tmp.File("raw.idx")));
        Assert.Contains("not an IDX file", e.Message);
        Assert.Contains("raw.idx", e.Message);
        File.Copy(tmp.File("x.png"), path);     // .gz name but not gzip data
        Assert.Contains("png-not-idx.gz", Assert.Throws<ArborException>(() => IdxFile.Read(path)).Message);
        DataFixtures.WriteIdx(tmp.File("int.idx"), new[] { 1 }, new byte[1]);
        var b = File.ReadAllBytes(tmp.File("int.idx"));
        b[2] = 0x0C;                            // int32 element type
        File.WriteAllBytes(tmp.File("int.idx"), b);
        Assert.Contains("0x0c", Assert.Throws<ArborException>(() => IdxFile.Read(tmp.File("int.idx"))).Message);
    }

    [Fact]
    public void ImageLabelCountMismatchNamesBothFiles()
    {
        using var tmp = TestPaths.NewTempFolder();
        DataFixtures.WriteIdx(tmp.File("img.idx"), new[] { 3, 2, 2 }, new byte[12]);
        DataFixtures.WriteIdx(tmp.File("lab.idx"), new[] { 4 }, new byte[4]);
        var e = Assert.Throws<DatasetException>(() =>
            FashionMnist.ReadSplit(tmp.File("img.idx"), tmp.File("lab.idx"), BuiltInHierarchies.FashionMnist(), "x"));
        Assert.Contains("img.idx", e.Message);
        Assert.Contains("lab.idx", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void LabelOutsideHierarchyNamesFileAndIndex()
    {
        using var tmp = TestPaths.NewTempFolder();
        DataFixtures.WriteIdx(tmp.File("img.idx"), new[] { 3, 2, 2 }, new byte[12]);
        DataFixtures.WriteIdx(tmp.File("lab.idx"), new[] { 3 }, new byte[] { 1, 9, 10 });
        var e = Assert.Throws<DatasetException>(() =>
            FashionMnist.ReadSplit(tmp.File("img.idx"), tmp.File("lab.idx"), BuiltInHierarchies.FashionMnist(), "x"));
        Assert.Contains("lab.idx", e.Message);
        Assert.Equal(2, e.Index);
        Assert.Contains("label 10", e.Message);
    }

    [Fact]
    public void FolderGivesTrainValidationTestWithLabelsAndPixels()
    {
        using var tmp = TestPaths.NewTempFolder();
        DataFixtures.WriteFashionFolder(tmp.Path, trainCount: 100, testCount: 20, gz: false);
        var splits = DatasetCatalog.Open("fashion-mnist", new DatasetOptions { Root = tmp.Path, Seed = 3 });
        Assert.Null(splits.OpenedAs);
        Assert.Equal(90, splits.Train.Count);
        Assert.Equal(10, splits.Validation.Count);
        Assert.Equal(20, splits.Test.Count);
        // Stratified: 10 leaves × 10 images at fraction 0.1 → one validation image per leaf.
        Assert.All(splits.Validation.CountPerLeaf(), c => Assert.Equal(1, c));
        // Each image's pixel (0,0) holds its file index, and its label is index % 10.
        for (int i = 0; i < splits.Train.Count; i++)
        {
            using var image = splits.Train.GetImage(i);
            int fileIndex = (int)Math.Round(image[0, 0, 0].item<float>() * 255);
            Assert.Equal(fileIndex % 10, splits.Train.LeafOf(i));
            Assert.Equal(200f / 255f, image[0, 0, 1].item<float>(), 5);
        }
        Assert.Equal(new[] { 1, 4, 4 }, new[] { splits.Train.FixedShape!.Value.Channels, splits.Train.FixedShape.Value.Height, splits.Train.FixedShape.Value.Width });
    }

    [Fact]
    public void ValidationIsDeterministicBySeedAndDisjointFromTrain()
    {
        using var tmp = TestPaths.NewTempFolder();
        DataFixtures.WriteFashionFolder(tmp.Path, trainCount: 200, testCount: 10);
        int[] ValidationFiles(int seed)
        {
            var s = DatasetCatalog.Open(tmp.Path, new DatasetOptions { Seed = seed, ValidationFraction = 0.2 });
            var train = Enumerable.Range(0, s.Train.Count).Select(i => s.Train.SourceOf(i)).ToHashSet();
            var val = Enumerable.Range(0, s.Validation.Count).Select(i => s.Validation.SourceOf(i)).ToArray();
            Assert.DoesNotContain(val, train.Contains);
            Assert.Equal(200, train.Count + val.Length);
            return val.Select(v => int.Parse(v[(v.LastIndexOf('[') + 1)..^1])).ToArray();
        }
        Assert.Equal(ValidationFiles(1), ValidationFiles(1));
        Assert.NotEqual(ValidationFiles(1), ValidationFiles(2));
        Assert.Equal(40, ValidationFiles(5).Length);
    }

    [Fact]
    public void MissingFullSetFallsBackToEmbeddedAndSaysSo()
    {
        var missing = Path.Combine(Path.GetTempPath(), "arbor-no-such-folder-" + Guid.NewGuid().ToString("N"));
        var splits = DatasetCatalog.OpenFashionMnist(new DatasetOptions(), missing);
        Assert.Contains($"full Fashion-MNIST not found at {missing}", splits.Description);
        Assert.Contains("embedded 10,000-image", splits.Description);
        Assert.Equal(DatasetCatalog.EmbeddedFashionMnist, splits.OpenedAs);   // what a run records, to read the same images again
        Assert.True(DatasetCatalog.StandsIn(splits.OpenedAs!, "fashion-mnist"));
        Assert.False(DatasetCatalog.StandsIn("fashion-mnist", DatasetCatalog.EmbeddedFashionMnist));
        Assert.Equal(8000, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(800, splits.Validation.Count);
        Assert.Equal(2000, splits.Test.Count);
        // Fashion-MNIST's first test image is an ankle boot (label 9), the second a pullover (2).
        var all = FashionMnist.ReadEmbedded();
        Assert.Equal(10000, all.Count);
        Assert.Equal(9, all.LeafOf(0));
        Assert.Equal(2, all.LeafOf(1));
        Assert.All(all.CountPerLeaf(), c => Assert.Equal(1000, c));
        // An explicit Root that lacks the files is an error, not a silent fallback.
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.OpenFashionMnist(new DatasetOptions { Root = missing }, "/x"));
        Assert.Contains(missing, e.Message);
        // So is the default place when the caller rules the stand-in out (a run whose config means the full set).
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.OpenFashionMnist(new DatasetOptions { AllowEmbedded = false }, missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void EmbeddedMatchesInstalledPackageWhenPresent()
    {
        var installed = Path.Combine(FashionMnist.DefaultFolder, "t10k-images-idx3-ubyte.gz");
        if (!File.Exists(installed)) return;   // the package is optional on a developer machine
        var fromPackage = IdxFile.Read(installed);
        using var embedded = FashionMnist.ReadEmbedded().Pixels.flatten();
        Assert.Equal(fromPackage.Data, embedded.data<byte>().ToArray());
    }
}
