using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data;

/// <summary>
/// One split of images, each labelled by a leaf of <see cref="Hierarchy"/>; the labels at coarser levels follow from the
/// tree. Images are read on demand (<see cref="GetImage"/>); <see cref="BatchLoader"/> turns a dataset into batches.
/// </summary>
public abstract class ImageDataset
{
    int[]? _leaves;

    /// <summary>The class tree the leaf ids refer to.</summary>
    public abstract ClassHierarchy Hierarchy { get; }

    /// <summary>Number of images.</summary>
    public abstract int Count { get; }

    /// <summary>What this is, for people: e.g. "fashion-mnist (embedded) train".</summary>
    public abstract string Name { get; }

    /// <summary>Leaf id of the image at <paramref name="index"/>.</summary>
    public abstract int LeafOf(int index);

    /// <summary>Leaf ids of all images, in index order (computed once).</summary>
    public int[] Leaves => _leaves ??= Enumerable.Range(0, Count).Select(LeafOf).ToArray();

    /// <summary>Shape every image has as stored, or null when images vary in size (decoded files).</summary>
    public abstract (int Channels, int Height, int Width)? FixedShape { get; }

    /// <summary>Normalisation used when a loader is not told otherwise (per-dataset statistics when known).</summary>
    public virtual Normalization DefaultNormalization => Normalization.ImageNet;

    /// <summary>The decoded image as float32 [C, H, W] in [0, 1], before any normalisation. The caller disposes it.</summary>
    public abstract Tensor GetImage(int index);

    /// <summary>Short description of where the image comes from (a file path, or "idx-file[index]").</summary>
    public abstract string SourceOf(int index);

    /// <summary>Local class id at every level (coarse → fine) of the image at <paramref name="index"/>.</summary>
    public IReadOnlyList<int> LevelLabelsOf(int index) => Hierarchy.PathOf(LeafOf(index));

    /// <summary>Image count of every leaf, indexed by leaf id.</summary>
    public int[] CountPerLeaf()
    {
        var counts = new int[Hierarchy.LeafCount];
        foreach (var leaf in Leaves) counts[leaf]++;
        return counts;
    }

    /// <summary>Image count of every class at a 1-based level, indexed by the level's local class id.</summary>
    public int[] CountPerClass(int level)
    {
        var counts = new int[Hierarchy.ClassesAt(level)];
        foreach (var leaf in Leaves) counts[Hierarchy.AncestorAt(leaf, level)]++;
        return counts;
    }

    /// <summary>A view of some of this dataset's images (e.g. a split carved from a training pool).</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, string name) => new SubsetDataset(this, indices.ToArray(), name);

    /// <summary>
    /// Where the image at <paramref name="index"/> really lives: datasets that are views of another return the underlying
    /// dataset and index, so the loader can read straight from the in-memory tensor or the file list.
    /// </summary>
    internal virtual (ImageDataset Source, int Index) Resolve(int index) => (this, index);

    /// <summary>Fails with an <see cref="ArgumentOutOfRangeException"/> naming the dataset when out of range.</summary>
    protected int CheckIndex(int index) => (uint)index < (uint)Count
        ? index : throw new ArgumentOutOfRangeException(nameof(index), $"{Name}: index {index} not in 0..{Count - 1}");

    public override string ToString() => $"{Name} ({Count} images)";
}

/// <summary>Some images of another dataset, in a given order.</summary>
internal sealed class SubsetDataset : ImageDataset
{
    readonly ImageDataset _parent;
    readonly int[] _indices;

    public SubsetDataset(ImageDataset parent, int[] indices, string name)
    {
        foreach (var i in indices)
            if ((uint)i >= (uint)parent.Count) throw new ArgumentOutOfRangeException(nameof(indices), $"{parent.Name}: index {i} out of range");
        _parent = parent;
        _indices = indices;
        Name = name;
    }

    public override ClassHierarchy Hierarchy => _parent.Hierarchy;
    public override int Count => _indices.Length;
    public override string Name { get; }
    public override int LeafOf(int index) => _parent.LeafOf(_indices[CheckIndex(index)]);
    public override (int Channels, int Height, int Width)? FixedShape => _parent.FixedShape;
    public override Normalization DefaultNormalization => _parent.DefaultNormalization;
    public override Tensor GetImage(int index) => _parent.GetImage(_indices[CheckIndex(index)]);
    public override string SourceOf(int index) => _parent.SourceOf(_indices[CheckIndex(index)]);
    internal override (ImageDataset Source, int Index) Resolve(int index) => _parent.Resolve(_indices[CheckIndex(index)]);
}
