using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.Reporting;
using Arbor.Tests.Evaluation;
using Arbor.Training;
using SkiaSharp;

namespace Arbor.Tests.Reporting;

/// <summary>metrics.csv, confusion.json and the pictures drawn from them, without training anything.</summary>
public class ReportingFilesTests
{
    static Trainer.EpochRecord Epoch(int n, double loss, params double[] top1) => new(n, loss, 0.1 / n, 1.5, 300,
        top1.Length == 0 ? null : EpochValidation.FromLevels(top1.Select((t, i) => new LevelMetrics(i + 1, i == 0 ? "coarse" : "fine", 2, t, 1)).ToArray()),
        IsBest: n != 2);

    [Fact]
    public void EpochLogRoundTripsAndAResumeReplacesLaterEpochs()
    {
        using var tmp = TestPaths.NewTempFolder();
        var path = tmp.File(EpochLog.FileName);
        var log = new EpochLog(path, new[] { "coarse", "fine" });
        log.Add(Epoch(1, 2.5, 0.5, 0.25));
        log.Add(Epoch(2, 2.0, 0.75, 0.5));
        log.Add(Epoch(3, 1.5, 1.0, 0.75));
        var (levels, rows) = EpochLog.ReadWithLevels(path);
        Assert.Equal(new[] { "coarse", "fine" }, levels);
        Assert.Equal(new[] { 1, 2, 3 }, rows.Select(r => r.Epoch));
        Assert.Equal(2.0, rows[1].Loss);
        Assert.Equal(0.625, rows[1].ValidationScore);     // mean of the levels
        Assert.Equal(new double?[] { 0.75, 0.5 }, rows[1].LevelTop1);
        Assert.False(rows[1].IsBest);
        Assert.StartsWith("epoch,loss,lr,seconds,rss_mib,val_score,best,val_top1_coarse,val_top1_fine\n", File.ReadAllText(path));

        // A run resumed after epoch 1 rewrites epoch 2 onwards: the file describes the epochs behind the checkpoint.
        var resumed = new EpochLog(path, new[] { "coarse", "fine" });
        resumed.Add(Epoch(2, 1.9));
        rows = EpochLog.Read(path);
        Assert.Equal(new[] { 1, 2 }, rows.Select(r => r.Epoch));
        Assert.Equal(1.9, rows[1].Loss);
        Assert.Null(rows[1].ValidationScore);
        Assert.Equal(new double?[] { null, null }, rows[1].LevelTop1);
    }

    [Fact]
    public void EpochLogColumnsAreCsvSafeAndUnique()
    {
        // Names that clash after cleaning get their level number.
        Assert.Equal(new[] { "val_top1_super_class", "val_top1_x2", "val_top1_x3", "val_top1_level4" },
            EpochLog.LevelColumns(new[] { "Super, Class", "x", "X", "%%" }));
    }

    [Fact]
    public void MalformedMetricsCsvNamesFileAndLine()
    {
        using var tmp = TestPaths.NewTempFolder();
        var path = tmp.File("metrics.csv");
        File.WriteAllText(path, "epoch,loss,lr,seconds,rss_mib,val_score,best,val_top1_a\n1,0.5,0.1,2,100,,0,\n2,zero,0.1,2,100,,0,\n");
        var e = Assert.Throws<ArborException>(() => EpochLog.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        File.WriteAllText(path, "when,what\n");
        Assert.Contains("line 1", Assert.Throws<ArborException>(() => EpochLog.Read(path)).Message);
    }

    [Fact]
    public void ConfusionJsonRoundTripsAndSeverityCountsAddUpToTheAccumulatorsMean()
    {
        var metrics = new MetricsAccumulator(MetricsAccumulatorTests.TwoLevels);
        metrics.Add(MetricsAccumulatorTests.Logits(), MetricsAccumulatorTests.Leaves());
        var m = metrics.Compute();
        using var tmp = TestPaths.NewTempFolder();
        var path = tmp.File("confusion.json");
        ConfusionMatrix.WriteJson(path, m.Confusion);
        var back = ConfusionMatrix.ReadJson(path);
        Assert.Equal(2, back.Count);
        for (int l = 0; l < 2; l++)
            for (int t = 0; t < back[l].Classes; t++)
                for (int p = 0; p < back[l].Classes; p++)
                    Assert.Equal(m.Confusion[l][t, p], back[l][t, p]);

        // Samples 2 (b0 → b1, height 1) and 3 (b1 → a0, height 2) are the wrong leaves.
        var counts = LevelAccuracyPlot.SeverityCounts(MetricsAccumulatorTests.TwoLevels, back[1]);
        Assert.Equal(new long[] { 1, 1 }, counts);
        Assert.Equal(m.WrongLeaves, counts.Sum());
        Assert.Equal(m.MistakeSeverity, counts.Select((c, i) => c * (i + 1.0)).Sum() / counts.Sum(), 12);

        File.WriteAllText(path, """{ "levels": [ { "level": 1, "name": "c", "classes": ["A", "B"], "matrix": [[1, 2]] } ] }""");
        Assert.Contains("matrix rows", Assert.Throws<ArborException>(() => ConfusionMatrix.ReadJson(path)).Message);
    }

    [Fact]
    public void MostConfusedPairsComeLargestFirstWithoutTheDiagonal()
    {
        var names = Enumerable.Range(0, 3).Select(i => $"c{i}").ToArray();
        var m = new ConfusionMatrix(1, "fine", names, new long[] { 9, 1, 4, 0, 9, 0, 2, 7, 9 });
        var pairs = ConfusionPlot.MostConfusedPairs(m, 2);
        Assert.Equal(new[] { ("c2", "c1", 7L), ("c0", "c2", 4L) }, pairs);
    }

    [Fact]
    public void LargeHierarchiesAreFoldedToALevelThatFits()
    {
        // 4 groups → 40 subgroups → 400 leaves: the tree stops at the subgroups, which name their leaf counts.
        var paths = Enumerable.Range(0, 400).Select(i => (IReadOnlyList<string>)new[] { $"g{i / 100}", $"s{i / 10}", $"leaf{i}" }).ToArray();
        var h = ClassHierarchy.FromLeafPaths("wide", new[] { "group", "subgroup", "leaf" }, paths);
        Assert.Equal(2, HierarchyTreePicture.ShownDepth(h));
        using var bitmap = SKBitmap.Decode(HierarchyTreePicture.Render(h));
        Assert.NotNull(bitmap);
        Assert.True(bitmap.Height > 40 * 16, $"height {bitmap.Height} leaves no row per subgroup");
        Assert.Equal(3, HierarchyTreePicture.ShownDepth(BuiltInHierarchies.FashionMnist()));
    }
}
