using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Hierarchy;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>Runs a classifier over a split and accumulates every hierarchical metric.</summary>
public static class Evaluator
{
    /// <summary>
    /// Metrics of <paramref name="levelLogits"/> over every batch of <paramref name="loader"/>; with a
    /// <paramref name="device"/> (the model's) each batch moves there first. With a <paramref name="group"/> of K &gt; 1
    /// ranks (each holding the same model) every rank evaluates every K-th batch and the counts are summed over the
    /// ranks, so all ranks return the metrics of the whole split — the same as one process computes.
    /// </summary>
    public static HierarchicalMetrics Evaluate(Func<Tensor, Tensor[]> levelLogits, BatchLoader loader, ClassHierarchy hierarchy,
        Decoding decoding, Training.ProgressReporter? progress = null, string label = "evaluate", Device? device = null,
        Distributed.IProcessGroup? group = null)
    {
        group ??= Distributed.SingleProcessGroup.Instance;
        var shard = new BatchShard(group.Rank, group.Size);
        var metrics = new MetricsAccumulator(hierarchy, decoding);
        using (var phase = progress?.Nested(label, shard.BatchesOf(loader.BatchesPerEpoch)))
        {
            int done = 0;
            using (no_grad())
                foreach (var batch in loader.GetBatches(0, shard))
                    using (batch)
                    using (var scope = NewDisposeScope())
                    {
                        var onDevice = device is null ? batch : batch.To(device);
                        metrics.Add(levelLogits(onDevice.Images), onDevice.Leaves);
                        progress?.Step(++done);
                    }
        }
        metrics.SumOverRanks(group);
        return metrics.Compute();
    }
}
