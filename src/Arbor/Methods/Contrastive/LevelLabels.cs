using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>Turns leaf ids into the per-level labels every loss and head takes.</summary>
public static class LevelLabels
{
    /// <summary>Leaf ids <c>[B]</c> → labels <c>[B, L]</c> int64 (local id at every level, coarse → fine).</summary>
    public static Tensor FromLeaves(ClassHierarchy hierarchy, Tensor leafIds)
    {
        using var scope = NewDisposeScope();
        if (leafIds.numel() > 0 && (leafIds.min().item<long>() < 0 || leafIds.max().item<long>() >= hierarchy.LeafCount))
            throw new ArgumentOutOfRangeException(nameof(leafIds),
                $"leaf ids must lie in 0..{hierarchy.LeafCount - 1} for hierarchy '{hierarchy.Name}'");
        var table = torch.tensor(Enumerable.Range(0, hierarchy.LeafCount).SelectMany(hierarchy.PathOf).Select(x => (long)x).ToArray())
            .reshape(hierarchy.LeafCount, hierarchy.Depth).to(leafIds.device);
        return table.index_select(0, leafIds.to(ScalarType.Int64).reshape(-1)).MoveToOuterDisposeScope();
    }
}
