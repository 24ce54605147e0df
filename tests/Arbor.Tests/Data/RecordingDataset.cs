using System.Collections.Concurrent;
using Arbor.Data;
using Arbor.Hierarchy;
using static TorchSharp.torch;

namespace Arbor.Tests.Data;

/// <summary>
/// Another dataset, recording every index the loader reads. With <c>throughFastPath</c> the loader is sent on to the inner
/// dataset's own storage (in-memory tensor, file list, point clouds) via Resolve, which is recorded; without it, images come
/// through <see cref="GetImage"/>, which is recorded. Either way an index never recorded was never read or decoded.
/// </summary>
public sealed class RecordingDataset(ImageDataset inner, bool throughFastPath = true) : ImageDataset
{
    readonly ConcurrentQueue<int> _reads = new();

    /// <summary>Indices read since the last <see cref="Clear"/>, in order (repeats kept).</summary>
    public int[] Reads => _reads.ToArray();

    public void Clear() => _reads.Clear();

    public override ClassHierarchy Hierarchy => inner.Hierarchy;
    public override int Count => inner.Count;
    public override string Name => $"recorded {inner.Name}";
    public override int LeafOf(int index) => inner.LeafOf(index);
    public override (int Channels, int Height, int Width)? FixedShape => inner.FixedShape;
    public override Normalization DefaultNormalization => inner.DefaultNormalization;
    public override string SourceOf(int index) => inner.SourceOf(index);

    public override Tensor GetImage(int index)
    {
        _reads.Enqueue(index);
        return inner.GetImage(index);
    }

    internal override (ImageDataset Source, int Index) Resolve(int index)
    {
        if (!throughFastPath) return (this, CheckIndex(index));
        _reads.Enqueue(index);
        return inner.Resolve(index);
    }
}
