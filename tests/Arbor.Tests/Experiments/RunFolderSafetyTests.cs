using Arbor.Experiments;
using Arbor.Training;

namespace Arbor.Tests.Experiments;

/// <summary>
/// Nothing half-written, nothing ambiguous: bad options fail before the folder exists, a folder in use is refused, a run
/// that never checkpointed starts over, --resume keeps its options (but may raise --epochs), failed writes name the file
/// and a resume after them ends byte-identical, and damaged weights are an error.
/// Runs alone: byte-identical metrics need the same torch thread count in both runs, and other test classes change that
/// process-wide setting while they train.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public class RunFolderSafetyTests
{
    static RunConfig Tiny(int epochs = 2) => new()
    {
        Method = "ce", Dataset = "fashion-mnist-embedded", Epochs = epochs, BatchSize = 64, TrainLimit = 128, Seed = 2, Threads = 2,
    };

    [Fact]
    public void BadOptionsAndDataFailBeforeTheRunFolderExists()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        var bad = new (RunConfig Config, string Says)[]
        {
            (Tiny(epochs: 0), "--epochs"), (Tiny(epochs: -1), "--epochs"), (Tiny() with { BatchSize = 0 }, "--batch"),
            (Tiny() with { LearningRate = -0.1 }, "--lr"), (Tiny() with { LearningRate = double.NaN }, "--lr"),
            (Tiny() with { Channels = 2 }, "--channels"), (Tiny() with { ImageSize = 4 }, "--image-size"),
            (Tiny() with { Optimizer = "adam" }, "--optimizer"), (Tiny() with { Normalization = "imagenette" }, "--normalization"),
            (Tiny() with { ValidationFraction = 0 }, "validation split is empty"),
            (Tiny() with { BatchSize = 4096 }, "fewer than one batch"),
        };
        foreach (var (config, says) in bad)
        {
            var e = Assert.Throws<ArborException>(() => TrainRun.Run(config, dir, new TrainRun.Options()));
            Assert.Contains(says, e.Message);
            Assert.False(Directory.Exists(dir), $"{says}: the run folder was created");
        }
        var cli = CliHarness.Run("train", "-m", "ce", "-d", "fashion-mnist-embedded", "--batch", "0", "--out", dir);
        Assert.Equal(2, cli.Code);
        Assert.Single(cli.Err.Trim().Split('\n'));
    }

    [Fact]
    public void AFolderInUseIsRefusedWithTheHoldersPid()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        using (RunFolder.OpenForTraining(dir, fresh: true, force: false))
        {
            var e = Assert.Throws<ArborException>(() => TrainRun.Run(Tiny(1), dir, new TrainRun.Options()));
            Assert.Contains($"process {Environment.ProcessId}", e.Message);
        }
        // Released: the folder is usable again.
        using (RunFolder.OpenForTraining(dir, fresh: true, force: false)) { }
    }

    [Fact]
    public void ARunKilledBeforeItsFirstCheckpointStartsOverAndTempFilesGo()
    {
        using var tmp = TestPaths.NewTempFolder();
        var straight = TrainRun.Run(Tiny(), tmp.File("straight"), new TrainRun.Options());

        // What kill -9 in epoch 1 leaves: config.json, the log, a temp file of an interrupted write, a stale lock file.
        foreach (var name in new[] { "resumed", "retrained" })
        {
            var dir = tmp.File(name);
            Directory.CreateDirectory(dir);
            File.Copy(tmp.File("straight/config.json"), Path.Combine(dir, "config.json"));
            File.WriteAllText(Path.Combine(dir, "train.log"), "start\n");
            File.WriteAllText(Path.Combine(dir, ".checkpoint.safetensors.4242.0123abcd.tmp"), "half");
            File.WriteAllText(Path.Combine(dir, ".lock"), "4242\n");
        }
        var resumed = TrainRun.Run(Tiny(), tmp.File("resumed"), new TrainRun.Options { Resume = true });
        var retrained = TrainRun.Run(Tiny(), tmp.File("retrained"), new TrainRun.Options());   // no --force needed
        Assert.Equal(straight.ToJson(), resumed.ToJson());
        Assert.Equal(straight.ToJson(), retrained.ToJson());
        Assert.Empty(Directory.EnumerateFiles(tmp.File("resumed"), "*.tmp"));
        Assert.False(File.Exists(tmp.File("resumed/.lock")));
    }

    [Fact]
    public void ResumeRefusesChangedOptionsMayRaiseEpochsAndDamagedWeightsAreRefused()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        TrainRun.Run(Tiny(1), dir, new TrainRun.Options());

        var e = Assert.Throws<ArborException>(() => TrainRun.Run(Tiny(1) with { BatchSize = 32, Seed = 5 }, dir, new TrainRun.Options { Resume = true }));
        Assert.Contains("batch_size: 64 → 32", e.Message);
        Assert.Contains("seed: 2 → 5", e.Message);
        var lower = Assert.Throws<ArborException>(() => TrainRun.Run(Tiny(1) with { Epochs = 0 }, dir,
            new TrainRun.Options { Resume = true, GivenOptions = new[] { "epochs" } }));
        Assert.Contains("not lower", lower.Message);

        var lines = new List<string>();
        TrainRun.Run(Tiny(2), dir, new TrainRun.Options { Resume = true, Progress = new ProgressReporter(new LineWriter(lines), false) });
        Assert.Contains(lines, l => l.Contains("extending the run from 1 to 2 epochs"));
        Assert.Contains(lines, l => l.StartsWith("epoch 2/2"));
        Assert.Equal(2, RunConfig.Read(Path.Combine(dir, "config.json")).Epochs);

        // One flipped bit in the weights: an error naming the file, not NaN predictions.
        var model = Path.Combine(dir, TrainRun.ModelFileName);
        var bytes = File.ReadAllBytes(model);
        bytes[^100] ^= 0x10;
        File.WriteAllBytes(model, bytes);
        var damaged = Assert.Throws<ArborException>(() => TrainedRun.Open(dir));
        Assert.Contains(model, damaged.Message);
        Assert.Contains("checksum", damaged.Message);
    }

    [Theory]
    [InlineData("config.json", 1)]
    [InlineData("checkpoint.safetensors", 2)]
    [InlineData("model.safetensors", 1)]
    [InlineData("README.md", 1)]
    public void AFailedWriteNamesTheFileAndResumeFinishesByteIdentical(string file, int occurrence)
    {
        using var tmp = TestPaths.NewTempFolder();
        TrainRun.Run(Tiny(), tmp.File("straight"), new TrainRun.Options());
        var dir = tmp.File("failing");
        int seen = 0;
        RunFolder.WriteFault.Value = path => Path.GetFileName(path) == file && ++seen == occurrence;
        try
        {
            var e = Assert.Throws<ArborException>(() => TrainRun.Run(Tiny(), dir, new TrainRun.Options()));
            Assert.True(e.Message.Contains(Path.Combine(dir, file)) && e.Message.Contains("No space left on device"), e.Message);
        }
        finally { RunFolder.WriteFault.Value = null; }
        Assert.False(File.Exists(Path.Combine(dir, "metrics.json")) && file != "README.md");
        TrainRun.Run(Tiny(), dir, new TrainRun.Options { Resume = true });
        Assert.Equal(File.ReadAllBytes(tmp.File("straight/metrics.json")), File.ReadAllBytes(Path.Combine(dir, "metrics.json")));
    }

    sealed class LineWriter(List<string> lines) : StringWriter
    {
        public override void WriteLine(string? value) { lines.Add(value ?? ""); }
    }
}
