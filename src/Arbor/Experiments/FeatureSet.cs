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
    /// </summary>
    public static FeatureSet Extract(BatchLoader loader, Func<Tensor, Tensor> embed, Training.ProgressReporter? progress = null,
        string label = "extract features", Device? device = null)
    {
        var chunks = new List<Tensor>();
        var leaves = new List<Tensor>();
        using var phase = progress?.Nested(label, loader.BatchesPerEpoch);
        using (no_grad())
        {
            foreach (var batch in loader.GetBatches(0))
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var onDevice = device is null ? batch : batch.To(device);
                    chunks.Add(embed(onDevice.Images).MoveToOuterDisposeScope());
                    leaves.Add(onDevice.Leaves.clone().MoveToOuterDisposeScope());
                    progress?.Step(chunks.Count);
                }
        }
        var features = cat(chunks, 0);
        var labels = cat(leaves, 0);
        foreach (var t in chunks.Concat(leaves)) t.Dispose();
        return new FeatureSet(features, labels);
    }

    public void Dispose()
    {
        Features.Dispose();
        Leaves.Dispose();
    }
}
