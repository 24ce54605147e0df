using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data;

/// <summary>
/// A split held whole in memory as one uint8 tensor [N, C, H, W] (Fashion-MNIST, CIFAR-100), so batches are gathered
/// with one index_select and augmented batch-wise.
/// </summary>
public sealed class InMemoryImageDataset : ImageDataset
{
    readonly int[] _leaves;
    readonly string _source;

    /// <summary>
    /// Wraps <paramref name="pixels"/> (uint8, N·C·H·W values, channel planes) and one leaf id per image.
    /// <paramref name="source"/> names the file the images came from, for messages.
    /// </summary>
    public InMemoryImageDataset(string name, ClassHierarchy hierarchy, byte[] pixels, int channels, int height, int width,
        int[] leaves, string source, Normalization? normalization = null)
    {
        long per = (long)channels * height * width;
        if (pixels.LongLength != per * leaves.Length)
            throw new ArgumentException($"{name}: {pixels.LongLength} pixel bytes for {leaves.Length} images of {channels}×{height}×{width}");
        for (int i = 0; i < leaves.Length; i++)
            if ((uint)leaves[i] >= (uint)hierarchy.LeafCount)
                throw new DatasetException($"label {leaves[i]} is not a leaf of hierarchy '{hierarchy.Name}' ({hierarchy.LeafCount} leaves)", source, index: i);
        Name = name;
        Hierarchy = hierarchy;
        _leaves = leaves;
        _source = source;
        DefaultNormalization = normalization ?? Normalization.ImageNet;
        FixedShape = (channels, height, width);
        // Owned by the dataset for its lifetime: kept out of any dispose scope the caller may have open.
        Pixels = torch.tensor(pixels, new long[] { leaves.Length, channels, height, width }).DetachFromDisposeScope();
    }

    /// <summary>All images, uint8 [N, C, H, W].</summary>
    public Tensor Pixels { get; }

    public override ClassHierarchy Hierarchy { get; }
    public override int Count => _leaves.Length;
    public override string Name { get; }
    public override int LeafOf(int index) => _leaves[CheckIndex(index)];
    public override (int Channels, int Height, int Width)? FixedShape { get; }
    public override Normalization DefaultNormalization { get; }

    public override Tensor GetImage(int index)
    {
        using var scope = torch.NewDisposeScope();
        return Pixels[CheckIndex(index)].to_type(ScalarType.Float32).div_(255f).MoveToOuterDisposeScope();
    }

    public override string SourceOf(int index) => $"{_source}[{CheckIndex(index)}]";
}
