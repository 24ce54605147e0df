using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data;

/// <summary>One image file and its leaf.</summary>
/// <param name="Path">Absolute path of the image file (see <see cref="ImageDecoder.Extensions"/>).</param>
/// <param name="Leaf">Leaf id in the dataset's hierarchy.</param>
public readonly record struct ImageEntry(string Path, int Leaf);

/// <summary>
/// Images kept as files (image-folder trees, manifests, emoji sets), decoded with SkiaSharp when read — by
/// <see cref="BatchLoader"/> on worker threads at their own size, then resized batch-wise (see <see cref="BatchLoader"/>).
/// </summary>
public sealed class FileImageDataset : ImageDataset
{
    readonly ImageEntry[] _entries;

    public FileImageDataset(string name, ClassHierarchy hierarchy, IReadOnlyList<ImageEntry> entries,
        (int Channels, int Height, int Width)? fixedShape = null, Normalization? normalization = null)
    {
        Name = name;
        Hierarchy = hierarchy;
        _entries = entries.ToArray();
        foreach (var e in _entries)
            if ((uint)e.Leaf >= (uint)hierarchy.LeafCount)
                throw new ArgumentOutOfRangeException(nameof(entries), $"{e.Path}: leaf {e.Leaf} not in hierarchy '{hierarchy.Name}'");
        FixedShape = fixedShape;
        DefaultNormalization = normalization ?? Normalization.ImageNet;
        HasOwnStatistics = normalization is not null;
    }

    /// <summary>
    /// False for the user's own images (folder trees, manifests): no known per-channel statistics, so training computes
    /// them from the training split; true when the dataset was built with its normalisation (emoji sets).
    /// </summary>
    public bool HasOwnStatistics { get; }

    /// <summary>The files and leaves, in index order.</summary>
    public IReadOnlyList<ImageEntry> Entries => _entries;

    public override ClassHierarchy Hierarchy { get; }
    public override int Count => _entries.Length;
    public override string Name { get; }
    public override int LeafOf(int index) => _entries[CheckIndex(index)].Leaf;
    public override (int Channels, int Height, int Width)? FixedShape { get; }
    public override Normalization DefaultNormalization { get; }
    public override string SourceOf(int index) => _entries[CheckIndex(index)].Path;

    public override Tensor GetImage(int index)
    {
        var (w, h, planes) = ImageDecoder.Decode(_entries[CheckIndex(index)].Path);
        using var scope = torch.NewDisposeScope();
        return torch.tensor(planes, new long[] { 3, h, w }).to_type(ScalarType.Float32).div_(255f).MoveToOuterDisposeScope();
    }

    /// <summary>Decodes image <paramref name="index"/> at its own size: (width, height, RGB planes).</summary>
    public (int Width, int Height, byte[] Planes) Decode(int index) => ImageDecoder.Decode(_entries[CheckIndex(index)].Path);
}
