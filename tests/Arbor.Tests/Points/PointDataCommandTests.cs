namespace Arbor.Tests.Points;

/// <summary>`arbor data info|preview` on point clouds, and a bad point-cloud folder through the CLI.</summary>
public class PointDataCommandTests
{
    [Fact]
    public void InfoAndPreviewWorkOnTheShapeSet()
    {
        var (code, output, err) = CliHarness.Run("data", "info", "shapes", "--points", "32");
        Assert.True(code == 0, err);
        Assert.Contains("point clouds: 32 points per cloud", output);
        Assert.Contains("shapes, 3 levels: kind (2) → family (4) → shape (12)", output);

        using var tmp = TestPaths.NewTempFolder();
        (code, output, err) = CliHarness.Run("data", "preview", "shapes", "--points", "64", "--count", "6", "--out", tmp.File("p.png"));
        Assert.True(code == 0, err);
        using var png = SkiaSharp.SKBitmap.Decode(tmp.File("p.png"));
        Assert.NotNull(png);
    }

    [Fact]
    public void ThePointCloudDemoTrainsAndPrintsAPerLevelTable()
    {
        using var tmp = TestPaths.NewTempFolder();
        var (code, output, err) = CliHarness.Run("demo", "--modality", "points", "--epochs", "1", "--out", tmp.File("demo"));
        Assert.True(code == 0, err);
        Assert.Contains("ce on shapes (test, 480 samples, consistent decoding)", output);
        foreach (var row in new[] { "1      kind          2", "2      family        4", "3      shape        12" }) Assert.Contains(row, output);
        Assert.Contains("consistency      100.00%", output);                  // consistent decoding never leaves the tree
        Assert.Equal(256, Arbor.Training.RunConfig.Read(tmp.File("demo/config.json")).Points);
    }

    [Fact]
    public void AMalformedModelNetFolderExitsWithTwoAndNamesTheFile()
    {
        using var tmp = TestPaths.NewTempFolder();
        File.WriteAllLines(tmp.File("modelnet10_shape_names.txt"), Arbor.Hierarchy.BuiltInHierarchies.ModelNet10Classes);
        File.WriteAllLines(tmp.File("modelnet10_train.txt"), new[] { "chair_0001" });
        File.WriteAllLines(tmp.File("modelnet10_test.txt"), new[] { "chair_0001" });
        Directory.CreateDirectory(tmp.File("chair"));
        File.WriteAllText(tmp.File("chair/chair_0001.txt"), "0,0\n");
        var (code, _, err) = CliHarness.Run("data", "info", tmp.Path, "--points", "4");
        Assert.Equal(2, code);
        Assert.Contains("chair_0001.txt:1", err);
        Assert.Contains("expected x,y,z", err);
    }
}
