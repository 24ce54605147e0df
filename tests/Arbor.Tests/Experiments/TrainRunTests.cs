using System.Text.Json;
using Arbor.Experiments;
using Arbor.Training;

namespace Arbor.Tests.Experiments;

/// <summary>End-to-end runs on the embedded Fashion-MNIST subset, kept tiny (a few hundred images) so they take seconds.</summary>
/// <remarks>Runs alone: resumed and uninterrupted runs are compared exactly, and tests beside it change torch's global generator and thread count.</remarks>
[Collection(ProcessWideStateCollection.Name)]
public class TrainRunTests
{
    static RunConfig Tiny(string method, int epochs = 2) => new()
    {
        Method = method, Dataset = "fashion-mnist-embedded", Epochs = epochs, BatchSize = 64, TrainLimit = 512,
        ProbeEpochs = 5, Seed = 1, Threads = 2,
    };

    [Fact]
    public void SupervisedRunWritesMetricsInTheDocumentedSchemaAndBeatsChance()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        var report = TrainRun.Run(Tiny("ce-levels", epochs: 3) with { TrainLimit = 1024 }, dir, new TrainRun.Options());
        foreach (var f in new[] { "config.json", "metrics.json", "model.safetensors", "checkpoint.safetensors", "train.log" })
            Assert.True(File.Exists(Path.Combine(dir, f)), $"{f} missing");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
        var root = json.RootElement;
        Assert.Equal("ce-levels", root.GetProperty("method").GetString());
        Assert.Equal("test", root.GetProperty("split").GetString());
        Assert.Equal(2000, root.GetProperty("samples").GetInt32());
        var levels = root.GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(new[] { 2, 6, 10 }, levels.Select(l => l.GetProperty("classes").GetInt32()));
        // Chance is 1/2, 1/6, 1/10 (the test split is balanced); 3 epochs on 1,024 images clear it by far.
        var top1 = levels.Select(l => l.GetProperty("top1").GetDouble()).ToArray();
        Assert.True(top1[0] > 0.75 && top1[1] > 0.4 && top1[2] > 0.25, $"top-1 per level: {string.Join(", ", top1)}");
        foreach (var key in new[] { "full_path", "consistency", "mistake_severity", "decoding", "dataset" })
            Assert.True(root.TryGetProperty(key, out _), $"metrics.json lacks {key}");
        Assert.Equal(report.FullPath, root.GetProperty("full_path").GetDouble(), 9);
    }

    [Fact]
    public void ResumedRunEndsWithTheSameMetricsAsAnUninterruptedOne()
    {
        using var tmp = TestPaths.NewTempFolder();
        var config = Tiny("hmlc") with { TrainLimit = 256 };
        var straight = TrainRun.Run(config, tmp.File("straight"), new TrainRun.Options());

        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TrainRun.Run(config, tmp.File("interrupted"), new TrainRun.Options
        {
            Cancellation = cancel.Token, AfterEpoch = epoch => { if (epoch == 1) cancel.Cancel(); },
        }));
        Assert.False(File.Exists(tmp.File("interrupted/metrics.json")));
        var resumed = TrainRun.Run(config, tmp.File("interrupted"), new TrainRun.Options { Resume = true });

        Assert.Equal(straight.ToJson(), resumed.ToJson());
    }

    [Fact]
    public void AnExistingRunFolderIsNotOverwrittenWithoutForce()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        var e = Assert.Throws<ArborException>(() => TrainRun.Run(Tiny("ce", epochs: 1), dir, new TrainRun.Options()));
        Assert.Contains("--force", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "notes.txt")));
    }

    [Fact]
    public void UnknownMethodAndBackboneListTheValidNames()
    {
        using var tmp = TestPaths.NewTempFolder();
        var e1 = Assert.Throws<ArborException>(() => TrainRun.Run(Tiny("hmcl"), tmp.File("a"), new TrainRun.Options()));
        Assert.Contains("supcon", e1.Message);
        Assert.Contains("g-hmlc", e1.Message);
        var e2 = Assert.Throws<ArborException>(() => TrainRun.Run(Tiny("ce") with { Backbone = "resnet50" }, tmp.File("b"), new TrainRun.Options()));
        Assert.Contains("resnet20", e2.Message);
        Assert.False(Directory.Exists(tmp.File("a")));
        Assert.False(Directory.Exists(tmp.File("b")));
    }

    [Fact]
    public void CorruptOrForeignModelFilesAreRefusedWithTheReason()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        TrainRun.Run(Tiny("ce", epochs: 1) with { TrainLimit = 128 }, dir, new TrainRun.Options());
        var model = Path.Combine(dir, TrainRun.ModelFileName);

        // Another method's config pointing at this model: refused before any weight is read.
        var foreign = tmp.File("foreign");
        Directory.CreateDirectory(foreign);
        File.Copy(model, Path.Combine(foreign, TrainRun.ModelFileName));
        var config = RunConfig.Read(Path.Combine(dir, "config.json")) with { Method = "ce-levels" };
        File.WriteAllText(Path.Combine(foreign, "config.json"), config.ToJson());
        var e1 = Assert.Throws<ArborException>(() => TrainedRun.Open(foreign));
        Assert.Contains("method 'ce'", e1.Message);

        // A truncated model file: an error naming the file, never a crash.
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        var e2 = Assert.Throws<ArborException>(() => TrainedRun.Open(dir));
        Assert.Contains(TrainRun.ModelFileName, e2.Message);
    }
}
