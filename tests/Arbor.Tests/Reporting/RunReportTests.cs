using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arbor.Evaluation;
using Arbor.Reporting;
using SkiaSharp;

namespace Arbor.Tests.Reporting;

/// <summary>
/// One tiny training run through the command line, then everything a person or tool reads from it: metrics.csv,
/// confusion.json, TensorBoard events, the pictures, report.html and `arbor compare`.
/// </summary>
public class RunReportTests
{
    [Fact]
    public void ATrainedRunHasItsLogsPicturesReportAndCompares()
    {
        using var tmp = TestPaths.NewTempFolder();
        var run = tmp.File("run");
        var train = CliHarness.Run("train", "--method", "ce", "--dataset", "fashion-mnist-embedded", "--epochs", "2",
            "--batch", "64", "--train-limit", "256", "--threads", "2", "--tensorboard", "--out", run);
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("* = best so far", train.Err);
        Assert.Matches(@"epoch 1/2 .* val group [\d.]+% / type [\d.]+% / item [\d.]+%", train.Err);

        // metrics.csv: one row per epoch, per-level validation accuracy that averages to the selection score.
        var (levels, rows) = EpochLog.ReadWithLevels(Path.Combine(run, "metrics.csv"));
        Assert.Equal(new[] { "group", "type", "item" }, levels);
        Assert.Equal(new[] { 1, 2 }, rows.Select(r => r.Epoch));
        foreach (var r in rows) Assert.Equal(r.ValidationScore!.Value, r.LevelTop1.Average(v => v!.Value), 9);
        Assert.True(rows[0].IsBest);

        // confusion.json agrees with metrics.json: the diagonal share is top-1 at every level, every row sums to the samples.
        var metrics = MetricsReport.Read(Path.Combine(run, "metrics.json"));
        var confusion = ConfusionMatrix.ReadJson(Path.Combine(run, "confusion.json"));
        Assert.Equal(new[] { 2, 6, 10 }, confusion.Select(m => m.Classes));
        for (int l = 0; l < 3; l++)
        {
            Assert.Equal(metrics.Samples, confusion[l].Total);
            long diagonal = Enumerable.Range(0, confusion[l].Classes).Sum(c => confusion[l][c, c]);
            Assert.Equal(metrics.Levels[l].Top1, (double)diagonal / metrics.Samples, 9);
        }

        // Every picture decodes as an image of a sensible size.
        foreach (var name in new[] { "loss.png", "validation.png", "lr.png", "accuracy.png", "severity.png", "hierarchy.png",
                                     "predictions.png", "confusion-level1.png", "confusion-level2.png", "confusion-level3.png" })
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(run, "plots", name));
            Assert.True(bitmap is { Width: > 200, Height: > 100 }, $"{name} is not a picture");
        }

        CheckTensorBoardEvents(Directory.GetFiles(Path.Combine(run, "tensorboard")).Single());

        // report.html: self-contained (every image inline, nothing fetched), with the model card, the command and the metrics.
        var report = CliHarness.Run("report", "--run", run);
        Assert.True(report.Code == 0, report.Err);
        var html = File.ReadAllText(Path.Combine(run, "report.html"));
        var sources = Regex.Matches(html, "(?:src|href)=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(10, sources.Length);
        Assert.All(sources, s => Assert.StartsWith("data:image/png;base64,", s));
        Assert.Contains("arbor train --method ce --dataset fashion-mnist-embedded --epochs 2", html);
        Assert.Contains("Model card", html);
        Assert.Contains(HtmlReport.Pct(metrics.FullPath), html);
        Assert.Contains("fashion-mnist: group (2) → type (6) → item (10)", html);

        // compare: a table row per run, a chart, and runs with other levels refused.
        var other = tmp.File("other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "metrics.json"), (metrics with { Levels = metrics.Levels.Take(2).ToArray() }).ToJson());
        var compare = CliHarness.Run("compare", run, "--chart", tmp.File("chart.png"), "--out", tmp.File("compare.html"));
        Assert.True(compare.Code == 0, compare.Err);
        Assert.Contains("item top-1", compare.Out);
        Assert.Contains(HtmlReport.Pct(metrics.Levels[2].Top1), compare.Out);
        using (var chart = SKBitmap.Decode(tmp.File("chart.png"))) Assert.NotNull(chart);
        var refused = CliHarness.Run("compare", run, other);
        Assert.Equal(2, refused.Code);
        Assert.Contains("other", refused.Err);
        Assert.Contains("same hierarchy", refused.Err);
        var json = CliHarness.Run("compare", run, "--json");
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(metrics.FullPath, doc.RootElement[0].GetProperty("metrics").GetProperty("full_path").GetDouble(), 9);
    }

    /// <summary>
    /// Reads the event file as TensorBoard does — TFRecords (u64 length, masked CRC-32C of the length, data, masked CRC-32C
    /// of the data) — and checks every checksum, the scalar tags and the PNG of the prediction grid.
    /// </summary>
    static void CheckTensorBoardEvents(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var records = new List<byte[]>();
        for (int at = 0; at < bytes.Length;)
        {
            ulong length = BitConverter.ToUInt64(bytes, at);
            Assert.Equal(MaskedCrc(bytes.AsSpan(at, 8)), BitConverter.ToUInt32(bytes, at + 8));
            var data = bytes.AsSpan(at + 12, (int)length);
            Assert.Equal(MaskedCrc(data), BitConverter.ToUInt32(bytes, at + 12 + (int)length));
            records.Add(data.ToArray());
            at += 16 + (int)length;
        }
        var text = string.Join("\n", records.Select(r => Encoding.Latin1.GetString(r)));
        foreach (var tag in new[] { "train/loss", "train/lr", "val/score", "val/top1/1-group", "val/top1/3-item", "test/full_path", "test/predictions" })
            Assert.Contains(tag, text);
        Assert.Contains("\u0089PNG", text);
    }

    static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }
}
