using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Distributed;

/// <summary>
/// Averages gradients over the ranks of a data-parallel step: the gradients are flattened into fused buckets of about
/// <see cref="BucketBytes"/> (few large collectives instead of one per parameter), each bucket is all-reduced (sum) and
/// divided by K, and the values are copied back. The step's loss travels in the first bucket, so the reported loss is the
/// mean over ranks without another collective. Parameters without a gradient are left out (the same ones on every rank,
/// since every rank runs the same model code).
/// </summary>
public sealed class GradientAverager
{
    readonly IReadOnlyList<Parameter> _parameters;
    readonly IProcessGroup _group;

    /// <summary>Bucket size in bytes (PyTorch DDP's default is 25 MB).</summary>
    public long BucketBytes { get; init; } = 25L << 20;

    public GradientAverager(IReadOnlyList<Parameter> parameters, IProcessGroup group)
    {
        _parameters = parameters;
        _group = group;
    }

    /// <summary>Bytes all-reduced per step for these parameters (float32 gradients plus the loss).</summary>
    public long BytesPerStep => _parameters.Sum(p => p.numel()) * 4 + 4;

    /// <summary>The buckets as lists of indices into the gradients, in order: a new bucket starts when adding the next
    /// gradient would pass <paramref name="bucketElements"/> (a gradient larger than that gets a bucket of its own).</summary>
    public static IReadOnlyList<int[]> PlanBuckets(IReadOnlyList<long> sizes, long bucketElements)
    {
        var buckets = new List<int[]>();
        var current = new List<int>();
        long filled = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            if (current.Count > 0 && filled + sizes[i] > bucketElements)
            {
                buckets.Add(current.ToArray());
                current.Clear();
                filled = 0;
            }
            current.Add(i);
            filled += sizes[i];
        }
        if (current.Count > 0) buckets.Add(current.ToArray());
        return buckets;
    }

    /// <summary>Replaces every gradient by its mean over ranks; returns the mean over ranks of <paramref name="loss"/>.</summary>
    public double Average(double loss)
    {
        if (_group.Size == 1) return loss;
        using var scope = NewDisposeScope();
        var grads = _parameters.Select(p => p.grad).Where(g => g is not null && g.numel() > 0).Select(g => g!).ToArray();
        var buckets = PlanBuckets(grads.Select(g => g.numel()).ToArray(), Math.Max(1, BucketBytes / 4));
        if (buckets.Count == 0) return _group.SumOverRanks(loss) / _group.Size;
        // float64 gradients (a model trained in double precision) travel as float64: the reduction must not round them.
        var type = grads.Any(g => g.dtype == ScalarType.Float64) ? ScalarType.Float64 : ScalarType.Float32;
        for (int b = 0; b < buckets.Count; b++)
        {
            var parts = buckets[b].Select(i => grads[i].flatten().to(type)).ToList();
            if (b == 0) parts.Add(full(new long[] { 1 }, loss, type, device: grads[0].device));
            var flat = cat(parts.ToArray()).cpu().contiguous();
            _group.AllReduceSum(flat);
            flat.div_(_group.Size);
            long offset = 0;
            using (no_grad())
                foreach (int i in buckets[b])
                {
                    var g = grads[i];
                    g.copy_(flat.narrow(0, offset, g.numel()).view_as(g));
                    offset += g.numel();
                }
            if (b == 0) loss = flat[offset].to(ScalarType.Float64).item<double>();
        }
        return loss;
    }

    /// <summary>Overwrites every parameter and buffer of <paramref name="model"/> with rank <paramref name="root"/>'s, so
    /// all ranks start (or continue) from the same state.</summary>
    public static void BroadcastState(nn.Module model, IProcessGroup group, int root = 0)
    {
        if (group.Size == 1) return;
        using var scope = NewDisposeScope();
        foreach (var (_, t) in model.state_dict())
            using (no_grad()) group.Broadcast(t, root);
    }
}
