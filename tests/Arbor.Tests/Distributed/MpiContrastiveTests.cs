using System.Text.Json;

namespace Arbor.Tests.Distributed;

/// <summary>
/// A contrastive method end to end under `mpirun -np 2`: all-gathered embeddings in training, then the nearest-class-mean
/// validation and the linear probe on features extracted in shards and gathered. Every rank must end with the same probe
/// (identical gathered features), which shows in the sharded test evaluation: one process evaluating the saved model gets
/// exactly the same metrics.
/// </summary>
public class MpiContrastiveTests
{
    [MpiFact]
    public void SupConOnTwoRanksEvaluatesLikeOneProcess()
    {
        using var dir = TestPaths.NewTempFolder();
        string run = dir.File("two");
        var (code, stdout, stderr) = MpiRun.Cli(2, null, TimeSpan.FromMinutes(8), "train", "--method", "supcon",
            "--dataset", "fashion-mnist-embedded", "--train-limit", "128", "--epochs", "1", "--batch", "64", "--probe-epochs", "2",
            "--threads", "1", "--val-fraction", "0.02", "--log-steps", "--json", "--out", run, "--distributed", "mpi");
        Assert.True(code == 0, stderr);
        var trained = JsonDocument.Parse(stdout[stdout.IndexOf('{')..]).RootElement;
        Assert.Equal(2, MpiVisionLanguageTests.StepLosses(run).Length);
        Assert.Contains("linear probe: best validation mean top-1", File.ReadAllText(Path.Combine(run, "train.log")));

        var alone = MpiRun.Cli(1, null, TimeSpan.FromMinutes(4), "eval", "--run", run, "--json");
        Assert.True(alone.Code == 0, alone.Err);
        var single = JsonDocument.Parse(alone.Out[alone.Out.IndexOf('{')..]).RootElement;
        Assert.Equal(single.GetProperty("samples").GetInt32(), trained.GetProperty("samples").GetInt32());
        Assert.Equal(single.GetProperty("levels").ToString(), trained.GetProperty("levels").ToString());
        foreach (var field in new[] { "full_path", "consistency", "mistake_severity" })
            Assert.Equal(single.GetProperty(field).GetDouble(), trained.GetProperty(field).GetDouble());
    }
}
