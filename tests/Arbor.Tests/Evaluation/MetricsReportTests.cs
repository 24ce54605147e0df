using System.Text.Json;
using Arbor.Evaluation;
using static TorchSharp.torch;

namespace Arbor.Tests.Evaluation;

public class MetricsReportTests
{
    static MetricsReport HandCaseReport()
    {
        var metrics = new MetricsAccumulator(MetricsAccumulatorTests.TwoLevels);
        metrics.Add(MetricsAccumulatorTests.Logits(), MetricsAccumulatorTests.Leaves());
        return metrics.Compute().ToReport("hmlc", "toy", "test");
    }

    [Fact]
    public void WritesExactlyTheDesignSchema()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("metrics.json");
        HandCaseReport().Write(path);
        Assert.Equal(new[] { "metrics.json" }, Directory.GetFiles(temp.Path).Select(Path.GetFileName));
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal(new[] { "method", "dataset", "split", "samples", "levels", "full_path", "consistency", "mistake_severity", "decoding" },
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("hmlc", root.GetProperty("method").GetString());
        Assert.Equal(4, root.GetProperty("samples").GetInt64());
        Assert.Equal(0.25, root.GetProperty("full_path").GetDouble());
        Assert.Equal(0.75, root.GetProperty("consistency").GetDouble());
        Assert.Equal(1.5, root.GetProperty("mistake_severity").GetDouble());
        Assert.Equal("independent", root.GetProperty("decoding").GetString());
        var level = root.GetProperty("levels")[0];
        Assert.Equal(new[] { "level", "name", "classes", "top1", "top5" }, level.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("coarse", 2, 0.5), (level.GetProperty("name").GetString(), level.GetProperty("classes").GetInt32(),
            level.GetProperty("top1").GetDouble()));
    }

    [Fact]
    public void ReadsBackWhatItWrote()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("metrics.json");
        var report = HandCaseReport();
        report.Write(path);
        var read = MetricsReport.Read(path);
        Assert.Equal(report.Levels, read.Levels);
        Assert.Equal(report with { Levels = read.Levels }, read);
    }

    [Theory]
    [InlineData("{ \"method\": \"x\" }", "not a valid metrics.json")]
    [InlineData("{ \"method\": \"x\", ", "not a valid metrics.json")]
    [InlineData("""{ "method": "m", "dataset": "d", "split": "s", "samples": 1, "levels": [], "full_path": 1.5, "consistency": 1, "mistake_severity": 0, "decoding": "independent" }""", "fractions")]
    [InlineData("""{ "method": "m", "dataset": "d", "split": "s", "samples": 1, "levels": [], "full_path": 1, "consistency": 1, "mistake_severity": 0, "decoding": "beam" }""", "unknown decoding")]
    public void RejectsMalformedFilesNamingThem(string content, string problem)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("metrics.json");
        File.WriteAllText(path, content);
        var e = Assert.Throws<ArborException>(() => MetricsReport.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void TableShowsLevelsThenWholePathMetrics()
    {
        var lines = MetricsTable.Format(HandCaseReport()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("hmlc on toy (test, 4 samples, independent decoding)", lines[0]);
        Assert.Matches(@"^1\s+coarse\s+2\s+50\.00%\s+100\.00%$", lines[2]);
        Assert.Matches(@"^2\s+fine\s+4\s+50\.00%\s+100\.00%$", lines[3]);
        Assert.Matches(@"^full path\s+25\.00%$", lines[4]);
        Assert.Matches(@"^consistency\s+75\.00%$", lines[5]);
        Assert.StartsWith("mistake severity", lines[6]);
        Assert.Contains("1.500", lines[6]);
    }

    [Fact]
    public void ConfusionJsonHoldsOneMatrixPerLevel()
    {
        var metrics = new MetricsAccumulator(MetricsAccumulatorTests.TwoLevels);
        metrics.Add(MetricsAccumulatorTests.Logits(), MetricsAccumulatorTests.Leaves());
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("confusion.json");
        ConfusionMatrix.WriteJson(path, metrics.Compute().Confusion);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var fine = doc.RootElement.GetProperty("levels")[1];
        Assert.Equal("fine", fine.GetProperty("name").GetString());
        var rows = fine.GetProperty("matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt64()).ToArray()).ToArray();
        Assert.Equal(new long[] { 0, 0, 0, 1 }, rows[2]);       // b0 predicted as b1
        Assert.Equal(new long[] { 1, 0, 0, 0 }, rows[3]);       // b1 predicted as a0
    }
}
