using System.Text.Json;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Methods.Contrastive;
using Arbor.Reporting;
using SkiaSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Reporting;

/// <summary>masks.json of G-HMLC / A-HMLC runs: the numbers read off the masks, the file, and the picture drawn from it.</summary>
public class LevelMaskSummaryTests
{
    static double[] Hard(int dims, params int[] on)
    {
        var m = new double[dims];
        foreach (var d in on) m[d] = 1;
        return m;
    }

    /// <summary>
    /// Three hard masks over 10 dims: level 1 = {3,4,5,6}, level 2 = {5,6,7,8,9}, level 3 = {0}; dims 1 and 2 unused.
    /// Levels 1 and 2 share {5,6} of {3..9}: Jaccard 2/7.
    /// </summary>
    static LevelMaskSummary HardExample() => new("g-hmlc", hard: true, "test", 0, new[] { "group", "type", "item" },
        new[] { Hard(10, 3, 4, 5, 6), Hard(10, 5, 6, 7, 8, 9), Hard(10, 0) });

    /// <summary>Two soft masks over 4 dims: Σmin = 0.2+0.6+0.1+0.1 = 1.0, Σmax = 0.7+0.8+0.2+0.9 = 2.6.</summary>
    static LevelMaskSummary SoftExample() => new("a-hmlc", hard: false, "mean over 7 test images", 7, new[] { "coarse", "fine" },
        new[] { new[] { 0.2, 0.8, 0.1, 0.9 }, new[] { 0.7, 0.6, 0.2, 0.1 } });

    [Fact]
    public void HardMasksGiveDimensionCountsJaccardOverlapAndUnusedDimensions()
    {
        var s = HardExample();
        Assert.Equal(new[] { 4.0, 5.0, 1.0 }, s.DimensionsUsed);
        Assert.Equal(new[] { 4, 5, 1 }, s.DimensionsAboveHalf);
        Assert.Equal(2.0 / 7, s.Overlap[0, 1], 12);
        Assert.Equal(s.Overlap[0, 1], s.Overlap[1, 0]);
        Assert.Equal(0, s.Overlap[0, 2]);
        Assert.Equal(0, s.Overlap[1, 2]);
        for (int h = 0; h < 3; h++) Assert.Equal(1, s.Overlap[h, h]);
        Assert.Equal(2, s.UnusedDimensions);
        // Shared dims 5 and 6 go to the coarser level; the unused ones come last.
        Assert.Equal(new[] { 3, 4, 5, 6, 7, 8, 9, 0, 1, 2 }, s.DisplayOrder());
        Assert.Equal(-1, s.StrongestLevel(1));
        Assert.Equal("group 4 · type 5 · item 1 · unused 2 of 10", s.DimensionsLine());
        Assert.Equal("group–type 0.29 · group–item 0.00 · type–item 0.00", s.OverlapLine());
    }

    [Fact]
    public void SoftMasksGiveSumsCountsAboveHalfAndMinOverMaxOverlap()
    {
        var s = SoftExample();
        Assert.Equal(2.0, s.DimensionsUsed[0], 12);
        Assert.Equal(1.6, s.DimensionsUsed[1], 12);
        Assert.Equal(new[] { 2, 2 }, s.DimensionsAboveHalf);
        Assert.Equal(1.0 / 2.6, s.Overlap[0, 1], 12);
        Assert.Equal(1, s.UnusedDimensions);              // dim 2: 0.1 and 0.2
        Assert.Equal(new[] { 3, 1, 0, 2 }, s.DisplayOrder());
        Assert.Equal("coarse 2.0 (2 > 0.5) · fine 1.6 (2 > 0.5) · unused 1 of 4", s.DimensionsLine());
    }

    [Fact]
    public void AllOnesMasksOverlapFullyAndEmptyMasksNotAtAll()
    {
        var ones = new LevelMaskSummary("g-hmlc", true, "", 0, new[] { "a", "b" }, new[] { Hard(3, 0, 1, 2), Hard(3, 0, 1, 2) });
        Assert.Equal(1, ones.Overlap[0, 1]);
        Assert.Equal(0, ones.UnusedDimensions);
        var empty = new LevelMaskSummary("g-hmlc", true, "", 0, new[] { "a", "b" }, new[] { Hard(3), Hard(3) });
        Assert.Equal(0, empty.Overlap[0, 1]);
        Assert.Equal(0, empty.Overlap[0, 0]);
        Assert.Equal(3, empty.UnusedDimensions);
    }

    [Fact]
    public void BadMasksAreRefusedWithTheReason()
    {
        LevelMaskSummary Make(bool hard, params double[][] masks) =>
            new("x", hard, "", 0, masks.Select((_, i) => $"l{i}").ToArray(), masks);
        Assert.Contains("not in [0, 1]", Assert.Throws<ArborException>(() => Make(false, new[] { 0.5, 1.5 })).Message);
        Assert.Contains("not in [0, 1]", Assert.Throws<ArborException>(() => Make(false, new[] { double.NaN })).Message);
        Assert.Contains("0 or 1", Assert.Throws<ArborException>(() => Make(true, new[] { 0.5, 1 })).Message);
        Assert.Contains("level 2 has 1 values", Assert.Throws<ArborException>(() => Make(false, new[] { 0.5, 1 }, new[] { 0.5 })).Message);
        Assert.Contains("no levels", Assert.Throws<ArborException>(() => Make(false)).Message);
    }

    [Fact]
    public void MasksJsonRoundTripsAndCarriesTheDerivedNumbers()
    {
        using var tmp = TestPaths.NewTempFolder();
        foreach (var s in new[] { HardExample(), SoftExample() })
        {
            var path = tmp.File(LevelMaskSummary.FileName);
            s.Write(path);
            var back = LevelMaskSummary.Read(path);
            Assert.Equal(s.Method, back.Method);
            Assert.Equal(s.Hard, back.Hard);
            Assert.Equal(s.Source, back.Source);
            Assert.Equal(s.Images, back.Images);
            Assert.Equal(s.LevelNames, back.LevelNames);
            for (int h = 0; h < s.Levels; h++) Assert.Equal(s.Masks[h], back.Masks[h]);   // exact: written as "R"
            Assert.Equal(s.Overlap, back.Overlap);

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            Assert.Equal(s.Hard ? "hard" : "soft", root.GetProperty("kind").GetString());
            Assert.Equal(s.Dimensions, root.GetProperty("dimensions").GetInt32());
            Assert.Equal(s.UnusedDimensions, root.GetProperty("unused_dims").GetInt32());
            var levels = root.GetProperty("levels").EnumerateArray().ToArray();
            Assert.Equal(s.DimensionsUsed, levels.Select(l => l.GetProperty("dims_used").GetDouble()));
            Assert.Equal(s.DimensionsAboveHalf, levels.Select(l => l.GetProperty("dims_above_half").GetInt32()));
            Assert.Equal(s.Overlap[0, 1], root.GetProperty("overlap")[0][1].GetDouble());
        }

        // Names stay readable in the file (no \u escapes) and come back unchanged.
        var named = new LevelMaskSummary("a-hmlc", false, "the model's heads", 1, new[] { "Überklasse", "l'espèce" },
            new[] { new[] { 0.25 }, new[] { 0.75 } });
        var file = tmp.File("named.json");
        named.Write(file);
        Assert.Contains("\"l'espèce\"", File.ReadAllText(file));
        Assert.Equal(named.LevelNames, LevelMaskSummary.Read(file).LevelNames);
    }

    [Theory]
    [InlineData("{ \"kind\": \"hard\", ", "not valid JSON")]
    [InlineData("[1, 2]", "top level")]
    [InlineData("{ \"kind\": \"soft\", \"method\": \"a-hmlc\" }", "$ has no \"levels\"")]
    [InlineData("{ \"method\": \"a-hmlc\", \"levels\": [] }", "$ has no \"kind\"")]
    [InlineData("{ \"kind\": \"soft\", \"method\": \"a-hmlc\", \"levels\": [ { \"mask\": [0.5] } ] }", "$.levels[0] has no \"name\"")]
    [InlineData("{ \"kind\": \"fuzzy\", \"method\": \"a-hmlc\", \"levels\": [] }", "kind must be")]
    [InlineData("{ \"kind\": \"soft\", \"method\": \"a-hmlc\", \"levels\": [ { \"name\": \"a\", \"mask\": [0.5, \"x\"] } ] }", "not a valid masks.json")]
    [InlineData("{ \"kind\": \"soft\", \"method\": \"a-hmlc\", \"levels\": [ { \"name\": \"a\", \"mask\": [0.5, 2] } ] }", "not in [0, 1]")]
    [InlineData("{ \"kind\": \"hard\", \"method\": \"g-hmlc\", \"levels\": [ { \"name\": \"a\", \"mask\": [0.5] } ] }", "0 or 1")]
    [InlineData("{ \"kind\": \"soft\", \"method\": \"a-hmlc\", \"dimensions\": 3, \"levels\": [ { \"name\": \"a\", \"mask\": [0.5] } ] }", "\"dimensions\" is 3")]
    [InlineData("{ \"kind\": \"soft\", \"method\": \"a-hmlc\", \"levels\": [] }", "no levels")]
    public void MalformedMasksJsonIsAnErrorNamingTheFile(string content, string reason)
    {
        using var tmp = TestPaths.NewTempFolder();
        var path = tmp.File(LevelMaskSummary.FileName);
        File.WriteAllText(path, content);
        var e = Assert.Throws<ArborException>(() => LevelMaskSummary.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void RunPlotsDrawsMasksPngOnlyFromMasksJsonAndStopsAtABadOneLikeConfusionJson()
    {
        using var tmp = TestPaths.NewTempFolder();
        var hierarchy = BuiltInHierarchies.FashionMnist();
        var without = RunPlots.WriteFromFiles(tmp.Path, hierarchy);
        Assert.DoesNotContain(without, p => p.File == RunPlots.MasksFile);
        Assert.False(File.Exists(Path.Combine(tmp.Path, RunPlots.FolderName, RunPlots.MasksFile)));

        HardExample().Write(tmp.File(LevelMaskSummary.FileName));
        var with = RunPlots.WriteFromFiles(tmp.Path, hierarchy);
        Assert.Contains(with, p => p.File == RunPlots.MasksFile);
        Assert.Contains(RunPlots.Existing(tmp.Path), p => p.File == RunPlots.MasksFile && p.Title.Contains("masks"));

        // A bad masks.json is reported as a bad confusion.json is: an error naming the file (the trainer turns it into a warning).
        File.WriteAllText(tmp.File(LevelMaskSummary.FileName), "{}");
        var e = Assert.Throws<ArborException>(() => RunPlots.WriteFromFiles(tmp.Path, hierarchy));
        Assert.StartsWith(tmp.File(LevelMaskSummary.FileName), e.Message);
    }

    /// <summary>Viridis at 0 (dark purple) and 1 (yellow), within rounding of the colour map.</summary>
    static bool Near(SKColor c, byte r, byte g, byte b) => Math.Abs(c.Red - r) < 12 && Math.Abs(c.Green - g) < 12 && Math.Abs(c.Blue - b) < 12;

    [Theory]
    [InlineData(10)]
    [InlineData(128)]
    [InlineData(700)]
    public void ThePictureHasOneRowPerLevelAndAColumnPerDimensionInViridis(int dims)
    {
        var rng = new Random(dims);
        var names = new[] { "group", "type", "a rather long level name that gets shortened" };
        var soft = new LevelMaskSummary("a-hmlc", false, "mean over 12 validation images", 12, names,
            names.Select((_, h) => Enumerable.Range(0, dims).Select(d => d % 3 == h ? 1.0 : d % 5 == 0 ? 0.0 : rng.NextDouble() * 0.4).ToArray()).ToArray());
        using var bitmap = SKBitmap.Decode(LevelMaskPlot.Render(soft));
        Assert.NotNull(bitmap);
        // The map alone is dims × cell wide, plus the level labels and the colour bar; three 34-px rows and the captions.
        Assert.True(bitmap.Width >= dims * LevelMaskPlot.CellWidth(dims) + 150, $"width {bitmap.Width}");
        Assert.True(bitmap.Width <= Math.Max(720, dims * LevelMaskPlot.CellWidth(dims) + 600), $"width {bitmap.Width}");
        Assert.InRange(bitmap.Height, 3 * 34 + 60, 400);
        var pixels = bitmap.Pixels;
        Assert.Contains(pixels, c => Near(c, 253, 231, 37));   // value 1
        Assert.Contains(pixels, c => Near(c, 68, 1, 84));      // value 0
        Assert.True(pixels.Count(c => c != SKColors.White) > dims * 3 * 20, "the heat map is drawn");
    }

    [Fact]
    public void GHmlcSummaryIsItsBufferAndAHmlcSummaryIsTheMeanMaskOverAllRows()
    {
        using var scope = NewDisposeScope();
        var hierarchy = ClassHierarchy.FromLeafPaths("t", new[] { "coarse", "fine" },
            new[] { new[] { "a", "a1" }, new[] { "a", "a2" }, new[] { "b", "b1" } });

        // G-HMLC: a refit on features whose dims 0–3 follow the coarse class and 4–7 the fine one within it.
        using var g = new GHmlcLoss(hierarchy, 8);
        var gen = new TorchSharp.torch.Generator(3);
        var leaf = arange(600) % 3;
        var coarse = (leaf == 2).to(ScalarType.Int64);
        var fineWithin = (leaf == 1).to(ScalarType.Float32) * 2 - 1;
        var z = cat(new[] { (coarse.to(ScalarType.Float32) * 2 - 1).unsqueeze(1).expand(600, 4), fineWithin.unsqueeze(1).expand(600, 4) }, 1)
                + 0.2f * randn(600, 8, generator: gen);
        var fit = g.Refit(z, stack(new[] { coarse, leaf }, 1));
        var hard = RunLevelMasks.Of(g, hierarchy)!;
        Assert.True(hard.Hard);
        for (int d = 0; d < 8; d++)
            for (int h = 0; h < 2; h++)
                Assert.Equal(fit.LevelOfDimension[d] == h ? 1.0 : 0.0, hard.Masks[h][d]);
        Assert.Equal(0, hard.UnusedDimensions);          // G-HMLC's masks partition the dimensions
        Assert.Equal(0, hard.Overlap[0, 1]);
        Assert.Equal(8, hard.DimensionsAboveHalf.Sum());

        // A-HMLC: the mean over more rows than one chunk equals the mean computed in one go.
        manual_seed(5);
        using var a = new AHmlcLoss(hierarchy, 6, 5);
        var features = randn(5000, 5, generator: gen);
        var soft = RunLevelMasks.Of(a, hierarchy, features, "test rows")!;
        Assert.False(soft.Hard);
        Assert.Equal(5000, soft.Images);
        Assert.Contains("5,000 test rows", soft.Source);
        Tensor[] direct;
        using (no_grad()) direct = a.Masks(features);
        for (int h = 0; h < 2; h++)
        {
            var mean = direct[h].to(ScalarType.Float64).mean(new long[] { 0 }).data<double>().ToArray();
            for (int d = 0; d < 6; d++) Assert.Equal(mean[d], soft.Masks[h][d], tolerance: 1e-6);   // masks.json keeps six decimals
        }
        Assert.Throws<ArgumentException>(() => RunLevelMasks.Of(a, hierarchy));

        using var hmlc = new HmlcLoss(HmlcVariant.HiMulCon);
        Assert.Null(RunLevelMasks.Of(hmlc, hierarchy));
    }
}
