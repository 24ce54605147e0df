using Arbor.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>Frozen features of a whole split (no augmentation) with their leaf ids, kept in memory for probes.</summary>
public sealed class FeatureSet : IDisposable
{
    public Tensor Features { get; }   // [M, F]
    public Tensor Leaves { get; }     // [M] int64

    FeatureSet(Tensor features, Tensor leaves)
    {
        Features = features;
        Leaves = leaves;
    }

    public int Count => (int)Features.shape[0];

    /// <summary>A feature set over tensors the caller made ([M, F] features, [M] leaf ids); it takes ownership.</summary>
    internal static FeatureSet Of(Tensor features, Tensor leaves) => new(features, leaves);

    /// <summary>
    /// Runs <paramref name="embed"/> over every batch of <paramref name="loader"/> in eval mode, without gradients; with a
    /// <paramref name="device"/> (the model's) each batch moves there first, and the features and leaves stay there.
    /// With a <paramref name="group"/> of K &gt; 1 ranks (each holding the same model) every rank embeds every K-th batch
    /// and the rows are gathered back into the split's order, so every rank ends with the whole set — the same values one
    /// process computes (each batch is embedded exactly as one process embeds it).
    /// </summary>
    public static FeatureSet Extract(BatchLoader loader, Func<Tensor, Tensor> embed, Training.ProgressReporter? progress = null,
        string label = "extract features", Device? device = null, Distributed.IProcessGroup? group = null)
    {
        group ??= Distributed.SingleProcessGroup.Instance;
        var shard = new BatchShard(group.Rank, group.Size);
        var chunks = new List<Tensor>();
        var leaves = new List<Tensor>();
        using (var phase = progress?.Nested(label, shard.BatchesOf(loader.BatchesPerEpoch)))
        using (no_grad())
        {
            foreach (var batch in loader.GetBatches(0, shard))
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var onDevice = device is null ? batch : batch.To(device);
                    chunks.Add(embed(onDevice.Images).MoveToOuterDisposeScope());
                    leaves.Add(onDevice.Leaves.clone().MoveToOuterDisposeScope());
                    progress?.Step(chunks.Count);
                }
        }
        if (group.Size > 1) return Gather(loader, chunks, leaves, group, shard, device);
        var features = cat(chunks, 0);
        var labels = cat(leaves, 0);
        foreach (var t in chunks.Concat(leaves)) t.Dispose();
        return new FeatureSet(features, labels);
    }

    /// <summary>
    /// The whole split's rows from every rank's batches: each rank's rows padded to the largest shard, all-gathered, and
    /// picked back out in batch order. Takes ownership of <paramref name="chunks"/> and <paramref name="leaves"/>.
    /// </summary>
    static FeatureSet Gather(BatchLoader loader, List<Tensor> chunks, List<Tensor> leaves, Distributed.IProcessGroup group,
        BatchShard shard, Device? device)
    {
        using var scope = NewDisposeScope();
        var sizes = loader.PlanEpoch(0).Select(b => (long)b.Length).ToArray();
        int ranks = group.Size;
        // Where every batch's rows sit in its owner's padded block: owner b mod K, after the owner's earlier batches.
        var rowsOf = new long[ranks];
        var starts = new long[sizes.Length];
        for (int b = 0; b < sizes.Length; b++)
        {
            starts[b] = rowsOf[b % ranks];
            rowsOf[b % ranks] += sizes[b];
        }
        long block = Math.Max(1, rowsOf.Max());
        // A rank without batches does not know the feature width or type: agree on them first.
        var shape = tensor(new long[] { chunks.Count > 0 ? chunks[0].shape[1] : 0, chunks.Count > 0 ? (long)chunks[0].dtype : -1 });
        group.AllReduceMax(shape);
        var (width, type) = (shape[0].item<long>(), (ScalarType)shape[1].item<long>());
        // MPI moves float32/float64/int64: other float types (bf16 features of frozen towers) travel as float32, exactly.
        var wire = type is ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var mine = zeros(new long[] { block, width }, wire, device);
        var mineLeaves = zeros(new long[] { block }, ScalarType.Int64, device);
        if (chunks.Count > 0)
        {
            long n = rowsOf[shard.Index];
            mine.narrow(0, 0, n).copy_(cat(chunks, 0).to(wire));
            mineLeaves.narrow(0, 0, n).copy_(cat(leaves, 0));
        }
        foreach (var t in chunks.Concat(leaves)) t.Dispose();
        var all = group.AllGather(mine).flatten(0, 1);                     // [K·block, F]
        var allLeaves = group.AllGather(mineLeaves).flatten(0, 1);
        var order = new List<long>();
        for (int b = 0; b < sizes.Length; b++)
            for (long i = 0; i < sizes[b]; i++) order.Add((b % ranks) * block + starts[b] + i);
        var index = tensor(order.ToArray(), ScalarType.Int64, all.device);
        var features = all.index_select(0, index).to(type).MoveToOuterDisposeScope();
        var labels = allLeaves.index_select(0, index).MoveToOuterDisposeScope();
        return new FeatureSet(features, labels);
    }

    public void Dispose()
    {
        Features.Dispose();
        Leaves.Dispose();
    }
}
