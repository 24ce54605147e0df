using System.Text.Json;

namespace Arbor.Tests.Distributed;

/// <summary>`mpirun -np 2 arbor train … --distributed mpi` against the same run in one process.</summary>
public class MpiTrainingTests
{
    static readonly string[] Run =
    {
        "train", "--method", "ce", "--dataset", "fashion-mnist", "--train-limit", "128", "--epochs", "1", "--batch", "64",
        "--lr", "0.02", "--threads", "1", "--val-fraction", "0.01", "--json",
    };

    [MpiFact]
    public void TwoRanksTrainLikeOneProcessAndOnlyRankZeroWrites()
    {
        using var dir = TestPaths.NewTempFolder();
        string one = dir.File("one"), two = dir.File("two");
        // One process out of process as well (mpirun -np 1, no --distributed): training here would change torch's
        // process-wide thread count under the in-process rank tests.
        var single = MpiRun.Cli(1, null, TimeSpan.FromMinutes(8), Run.Concat(new[] { "--out", one }).ToArray());
        Assert.True(single.Code == 0, single.Err);
        var (code, stdout, stderr) = MpiRun.Cli(2, null, TimeSpan.FromMinutes(8), Run.Concat(new[] { "--out", two, "--distributed", "mpi" }).ToArray());
        Assert.True(code == 0, stderr);

        // One metrics document on standard output (rank 0's), equal to the single-process one within float tolerance.
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(one, "metrics.json"))).RootElement;
        var actual = JsonDocument.Parse(stdout[stdout.IndexOf('{')..]).RootElement;   // past a terminal-mode escape some hosts print
        Assert.Equal(JsonDocument.Parse(File.ReadAllText(Path.Combine(two, "metrics.json"))).RootElement.ToString(), actual.ToString());
        foreach (var (e, a) in expected.GetProperty("levels").EnumerateArray().Zip(actual.GetProperty("levels").EnumerateArray()))
            Assert.Equal(e.GetProperty("top1").GetDouble(), a.GetProperty("top1").GetDouble(), 3);
        Assert.Equal(expected.GetProperty("full_path").GetDouble(), actual.GetProperty("full_path").GetDouble(), 3);

        // The test split was evaluated in two shards (every other batch per rank, counts summed): exactly what one process
        // computes with the same weights.
        var again = MpiRun.Cli(1, null, TimeSpan.FromMinutes(4), "eval", "--run", two, "--json");
        Assert.True(again.Code == 0, again.Err);
        var alone = JsonDocument.Parse(again.Out[again.Out.IndexOf('{')..]).RootElement;
        Assert.Equal(alone.GetProperty("samples").GetInt32(), actual.GetProperty("samples").GetInt32());
        Assert.Equal(alone.GetProperty("levels").ToString(), actual.GetProperty("levels").ToString());
        foreach (var field in new[] { "full_path", "consistency", "mistake_severity" })
            Assert.Equal(alone.GetProperty(field).GetDouble(), actual.GetProperty(field).GetDouble());

        // The epoch's mean training loss in train.log: the same to float tolerance.
        static double Loss(string run) => double.Parse(File.ReadAllLines(Path.Combine(run, "train.log"))
            .First(l => l.Contains("epoch 1/1")).Split("loss ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Loss(one), Loss(two), 3);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(two, "config.json"))).RootElement;
        Assert.Equal("mpi", config.GetProperty("distributed").GetString());
        Assert.Equal(2, config.GetProperty("ranks").GetInt32());

        // Resuming with another number of ranks is refused, naming both.
        var resume = CliHarness.Run("train", "--resume", "--out", two, "--epochs", "2");
        Assert.Equal(2, resume.Code);
        Assert.Contains("trained on 2 rank(s) and this job has 1", resume.Err);
    }
}
