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
            // The embedded pool trains on 7,200 images: a larger limit is refused rather than quietly lowered.
            (Tiny() with { TrainLimit = 7201 }, "--train-limit 7,201 asks for more training images than 'fashion-mnist-embedded' has: 7,200"),
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

    /// <summary>
    /// Every file a run writes, with which of its writes fails ("plots/": any picture). Train.log's third line is an epoch
    /// line; the checkpoint's second write is epoch 2's.
    /// </summary>
    public static TheoryData<string, int> WritePoints => new()
    {
        { "config.json", 1 }, { "hierarchy.json", 1 }, { "train.log", 1 }, { "train.log", 3 }, { "metrics.csv", 2 },
        { "best.safetensors", 1 }, { "checkpoint.safetensors", 1 }, { "checkpoint.safetensors", 2 }, { "model.safetensors", 1 },
        { "metrics.json", 1 }, { "README.md", 1 }, { "confusion.json", 1 }, { "plots/", 1 },
    };

    static readonly Lazy<byte[]> StraightMetrics = new(() =>
    {
        using var tmp = TestPaths.NewTempFolder();
        TrainRun.Run(Tiny(), tmp.File("straight"), new TrainRun.Options());
        return File.ReadAllBytes(tmp.File("straight/metrics.json"));
    });

    [Fact]
    public void TheWritePointsAreEveryFileARunWrites()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.File("run");
        TrainRun.Run(Tiny(), dir, new TrainRun.Options());
        var written = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Select(f => f.StartsWith("plots/", StringComparison.Ordinal) ? "plots/" : f).Distinct().Order().ToArray();
        Assert.Equal(WritePoints.Select(p => (string)p[0]).Distinct().Order().ToArray(), written);
    }

    [Theory]
    [MemberData(nameof(WritePoints))]
    public void AFailedWriteNamesTheFileLeavesNoTempFileAndResumeFinishesByteIdentical(string file, int occurrence)
    {
        using var tmp = TestPaths.NewTempFolder();
        var straight = StraightMetrics.Value;
        var dir = tmp.File("failing");
        var target = Path.Combine(dir, file);
        int seen = 0;
        Arbor.IO.AtomicFile.Fault.Value = path => path.StartsWith(target, StringComparison.Ordinal) && ++seen == occurrence;
        var warnings = new List<string>();
        try
        {
            var run = () => TrainRun.Run(Tiny(), dir, new TrainRun.Options { Progress = new ProgressReporter(new LineWriter(warnings), false) });
            if (file == "plots/")
            {
                run();   // pictures are drawn last and are not the model: a warning, and `arbor report` redraws them
                Assert.Contains(warnings, w => w.Contains("drawing the plots failed") && w.Contains("No space left on device"));
            }
            else
            {
                var e = Assert.Throws<ArborException>(run);
                Assert.True(e.Message.StartsWith(target) && e.Message.Contains("No space left on device"), e.Message);
                Assert.DoesNotContain('\n', e.Message);
            }
        }
        finally { Arbor.IO.AtomicFile.Fault.Value = null; }
        Assert.True(seen >= occurrence, $"{file} was written {seen} times");
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp", SearchOption.AllDirectories));
        if (file is not ("README.md" or "confusion.json" or "plots/")) Assert.False(File.Exists(Path.Combine(dir, "metrics.json")));
        TrainRun.Run(Tiny(), dir, new TrainRun.Options { Resume = true });
        Assert.Equal(straight, File.ReadAllBytes(Path.Combine(dir, "metrics.json")));
    }

    /// <summary>Makes a folder read-only for this process: chmod for a user; root ignores modes, so `chattr +i` then.</summary>
    static bool MakeReadOnly(string dir, bool readOnly)
    {
        if (OperatingSystem.IsWindows()) return false;
        if (Environment.IsPrivilegedProcess)
        {
            using var chattr = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [readOnly ? "+i" : "-i", dir])
                { RedirectStandardError = true });
            chattr?.WaitForExit();
            if (chattr is not { ExitCode: 0 }) return false;
        }
        else File.SetUnixFileMode(dir, readOnly ? UnixFileMode.UserRead | UnixFileMode.UserExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try { File.WriteAllText(Path.Combine(dir, ".probe"), ""); File.Delete(Path.Combine(dir, ".probe")); return !readOnly; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return readOnly; }
    }

    [Fact]
    public void AReadOnlyRunFolderIsAOneLineErrorAndTheRunResumesWhenWritableAgain()
    {
        using var tmp = TestPaths.NewTempFolder();
        var args = new[] { "train", "-m", "ce", "-d", "fashion-mnist-embedded", "--epochs", "2", "--batch", "64", "--train-limit", "128",
            "--seed", "2", "--threads", "2" };
        var straight = tmp.File("straight");
        Assert.Equal(0, CliHarness.Run([.. args, "--out", straight]).Code);

        // A run stopped after epoch 1, then its folder made read-only (and a finished run too).
        var dir = tmp.File("stopped");
        using (var stop = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() => TrainRun.Run(Tiny(), dir, new TrainRun.Options
            {
                Decoding = Arbor.Evaluation.Decoding.Consistent, Cancellation = stop.Token, AfterEpoch = e => { if (e == 1) stop.Cancel(); },
            }));
        Assert.True(File.Exists(Path.Combine(dir, "checkpoint.safetensors")));
        var checkpoint = File.ReadAllBytes(Path.Combine(dir, "checkpoint.safetensors"));
        Assert.True(MakeReadOnly(dir, true) && MakeReadOnly(straight, true), "cannot make a folder read-only here (chattr missing?)");
        try
        {
            var resume = CliHarness.Run([.. args, "--out", dir, "--resume"]);
            Assert.True(resume.Code == 1, $"exit {resume.Code}: {resume.Err}");   // an I/O failure
            var error = resume.Err.Trim().Split('\n')[^1];
            Assert.StartsWith($"error: {dir}", error);
            Assert.Contains("cannot write", error);
            Assert.DoesNotContain("   at ", resume.Err);

            // eval writes its result into the run folder: refused naming that file; predict only reads and works.
            var eval = CliHarness.Run("eval", "--run", straight);
            Assert.True(eval.Code == 1, $"exit {eval.Code}: {eval.Err}");
            Assert.Contains($"error: {Path.Combine(straight, "eval-fashion-mnist-embedded-test-consistent.json")}: cannot write", eval.Err);
            Assert.DoesNotContain("--resume", eval.Err);
            Assert.DoesNotContain("   at ", eval.Err);
            var image = tmp.File("shirt.png");
            Arbor.Tests.Data.DataFixtures.WritePng(image, 28, 28, SkiaSharp.SKColors.Gray);
            Assert.Equal(0, CliHarness.Run("predict", "--run", straight, image).Code);
        }
        finally
        {
            MakeReadOnly(dir, false);
            MakeReadOnly(straight, false);
        }
        Assert.Equal(checkpoint, File.ReadAllBytes(Path.Combine(dir, "checkpoint.safetensors")));   // the last good checkpoint survives
        Assert.Equal(0, CliHarness.Run([.. args, "--out", dir, "--resume"]).Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "metrics.json")), File.ReadAllBytes(Path.Combine(dir, "metrics.json")));
    }

    sealed class LineWriter(List<string> lines) : StringWriter
    {
        public override void WriteLine(string? value) { lines.Add(value ?? ""); }
    }
}
