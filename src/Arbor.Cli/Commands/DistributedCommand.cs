using System.CommandLine;
using System.Diagnostics;
using Arbor.Distributed;
using static TorchSharp.torch;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor distributed-check` (under <c>mpirun -np K</c>): joins the MPI job, checks that all-reduce, all-gather and
/// broadcast give the exact expected values on every rank, and measures the all-reduce time of a gradient-sized buffer —
/// the number behind the scaling estimate in docs/distributed.md.
/// </summary>
internal static class DistributedCommand
{
    public static Command Build()
    {
        var megabytes = new Option<double>("--megabytes") { Description = "All-reduce buffer to time, MB of float32 (default 1)", DefaultValueFactory = _ => 1.0 };
        var repeats = new Option<int>("--repeats") { Description = "Timed all-reduces (default 20)", DefaultValueFactory = _ => 20 };
        // Fault injection for the test of the collective timeout: this rank skips the barrier the others wait in.
        var stallRank = new Option<int?>("--stall-rank") { Hidden = true };
        var command = new Command("distributed-check",
            "Under `mpirun -np K`: check the MPI collectives Arbor uses (exact values on every rank) and time an all-reduce.")
        { megabytes, repeats, stallRank };
        command.SetAction(result =>
        {
            double mb = result.GetValue(megabytes);
            int times = result.GetValue(repeats);
            if (!(mb > 0) || mb > 4096) throw new ArborException("--megabytes must be in (0, 4096]");
            if (times < 1) throw new ArborException("--repeats must be at least 1");
            using var group = MpiProcessGroup.Join();
            var @out = CommandOutput.Out(result);
            var problems = Check(group);
            if (result.GetValue(stallRank) is int stall && stall == group.Rank)
            {
                Thread.Sleep(Timeout.Infinite);
            }
            group.Barrier();
            var (seconds, bytes) = TimeAllReduce(group, mb, times);
            // Every rank learns whether any rank failed, so all exit with the same code.
            double failed = group.SumOverRanks(problems.Count > 0 ? 1.0 : 0.0);
            foreach (var p in problems) CommandOutput.Err(result).WriteLine($"error: rank {group.Rank}: {p}");
            if (group.Rank == 0)
            {
                @out.WriteLine($"ranks {group.Size}: all-reduce, all-gather and broadcast " + (failed == 0 ? "correct on every rank" : $"WRONG on {failed} rank(s)"));
                @out.WriteLine($"all-reduce of {bytes / 1e6:F2} MB float32: {seconds * 1e3:F3} ms (median of {times}), " +
                               $"{bytes / seconds / 1e9:F3} GB/s algorithm bandwidth");
            }
            return failed == 0 ? 0 : ExitCodes.InternalError;
        });
        return command;
    }

    /// <summary>Collectives on values whose results are known in closed form; returns what differs.</summary>
    static List<string> Check(IProcessGroup group)
    {
        using var scope = NewDisposeScope();
        var problems = new List<string>();
        int k = group.Size, r = group.Rank;
        // Sum of (rank + 1) · (i + 1) over ranks = (i + 1) · K(K + 1)/2; exact in float32 for these sizes.
        var values = arange(1, 1001, dtype: ScalarType.Float32) * (r + 1);
        group.AllReduceSum(values);
        var expected = arange(1, 1001, dtype: ScalarType.Float32) * (k * (k + 1) / 2);
        if (!values.allclose(expected, 0, 0)) problems.Add("all-reduce (sum) of float32 differs from the expected sum");
        var longs = tensor(new long[] { r, 1L << 40 });
        group.AllReduceSum(longs);
        if (longs[0].item<long>() != (long)k * (k - 1) / 2 || longs[1].item<long>() != k * (1L << 40))
            problems.Add("all-reduce (sum) of int64 differs");
        var max = tensor(new double[] { r, -r });
        group.AllReduceMax(max);
        if (max[0].item<double>() != k - 1 || max[1].item<double>() != 0) problems.Add("all-reduce (max) differs");
        var gathered = group.AllGather(full(new long[] { 2, 3 }, (float)r));
        if (!gathered.allclose(arange(k, dtype: ScalarType.Float32).view(k, 1, 1).expand(k, 2, 3), 0, 0))
            problems.Add("all-gather differs from the ranks' tensors in rank order");
        var broadcast = full(new long[] { 5 }, (double)r + 7, dtype: ScalarType.Float64);
        group.Broadcast(broadcast, root: k - 1);
        if (!broadcast.allclose(full(new long[] { 5 }, (double)k - 1 + 7, dtype: ScalarType.Float64), 0, 0))
            problems.Add("broadcast differs from the root's tensor");
        return problems;
    }

    static (double MedianSeconds, long Bytes) TimeAllReduce(IProcessGroup group, double megabytes, int repeats)
    {
        long n = Math.Max(1, (long)(megabytes * 1e6 / 4));
        using var buffer = ones(n);
        group.AllReduceSum(buffer);   // warm-up: connections are made on first use
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            group.Barrier();
            var clock = Stopwatch.StartNew();
            group.AllReduceSum(buffer);
            times[i] = clock.Elapsed.TotalSeconds;
        }
        // The slowest rank bounds a step: take each repeat's maximum over ranks.
        using var all = tensor(times);
        group.AllReduceMax(all);
        var sorted = all.data<double>().ToArray();
        Array.Sort(sorted);
        return (sorted[repeats / 2], n * 4);
    }
}
