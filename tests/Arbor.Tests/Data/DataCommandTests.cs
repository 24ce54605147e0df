using Arbor.Cli;
using SkiaSharp;

namespace Arbor.Tests.Data;

public class DataCommandTests
{
    static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ArborCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

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
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ArborCli.Run(new[] { "data", "info", tmp.File("m.csv"), "--hierarchy", tmp.File("h.json") }, o, e);
        Assert.True(code == 0, e.ToString());
        Assert.Contains("image size: varies", o.ToString());
        Assert.Matches(@"test\s+4\s", o.ToString());
        // Without a hierarchy a manifest is an error naming it.
        Assert.Equal(2, ArborCli.Run(new[] { "data", "info", tmp.File("m.csv") }, new StringWriter(), e));
        Assert.Contains("m.csv", e.ToString());
    }
}
