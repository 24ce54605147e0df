using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data;

/// <summary>
/// One batch from <see cref="BatchLoader"/>. It owns its tensors: the consumer disposes it (<c>using var batch = …</c>)
/// once the step is done, which keeps native memory flat over epochs.
/// </summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor? view2, Tensor leaves, Tensor[] levelLabels, int[] indices, int epoch, int batchIndex)
    {
        Images = images;
        View2 = view2;
        Leaves = leaves;
        LevelLabels = levelLabels;
        Indices = indices;
        Epoch = epoch;
        BatchIndex = batchIndex;
    }

    /// <summary>
    /// float32 [B, C, H, W], normalised — or, from a point-cloud dataset, float32 [B, P, 3] coordinates. With <see cref="BatchLoaderOptions.Views"/> = 2 this is the first augmented view
    /// and <see cref="View2"/> the second, each drawn independently from the same source images.
    /// </summary>
    public Tensor Images { get; }

    /// <summary>The second augmented view, float32 [B, C, H, W], when the loader makes two views; otherwise null.</summary>
    public Tensor? View2 { get; }

    /// <summary>All views: { Images } or { Images, View2 }.</summary>
    public IReadOnlyList<Tensor> Views => View2 is null ? new[] { Images } : new[] { Images, View2 };

    /// <summary>int64 [B] leaf ids.</summary>
    public Tensor Leaves { get; }

    /// <summary>int64 [B] per level, coarse → fine (the last equals <see cref="Leaves"/>).</summary>
    public Tensor[] LevelLabels { get; }

    /// <summary>Dataset indices of the samples, in batch order.</summary>
    public int[] Indices { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Indices.Length;

    /// <summary>Epoch this batch belongs to.</summary>
    public int Epoch { get; }

    /// <summary>Position of the batch in its epoch.</summary>
    public int BatchIndex { get; }

    /// <summary>
    /// The batch on <paramref name="device"/> (the model's): this batch when it is already there, otherwise copies of its
    /// tensors, which belong to the caller's dispose scope (a training or evaluation step has one).
    /// </summary>
    public Batch To(Device device)
    {
        if (Training.ComputeDevice.Same(Images.device, device)) return this;
        var leaves = Leaves.to(device);
        var levels = LevelLabels.Select(t => ReferenceEquals(t, Leaves) ? leaves : t.to(device)).ToArray();
        return new Batch(Images.to(device), View2?.to(device), leaves, levels, Indices, Epoch, BatchIndex);
    }

    public void Dispose()
    {
        Images.Dispose();
        View2?.Dispose();
        Leaves.Dispose();
        foreach (var t in LevelLabels) if (!ReferenceEquals(t, Leaves)) t.Dispose();
    }
}
