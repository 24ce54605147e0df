using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>
/// HGCLIP's image prototypes: for every node of the hierarchy (global order), the mean of the frozen, un-prompted CLIP
/// image features of the training images under that node. A coarse node averages all the images under it — the mean of
/// images, not the mean of its children's means, so a child with many images weighs more (as in the reference).
/// </summary>
public static class PrototypeBank
{
    /// <summary>Rows summed per chunk (bounds the float64 copy of the features).</summary>
    const int ChunkRows = 8192;

    /// <summary>
    /// Prototypes [N, P] (float32) from features [M, P] and leaf ids [M]. Each image adds its feature to its node at every
    /// level (an index_add per level over all images at once); sums run in float64.
    /// </summary>
    /// <param name="hierarchy">The class tree; N = its node count.</param>
    /// <param name="features">Frozen un-prompted image features of the training split, [M, P].</param>
    /// <param name="leafIds">Leaf id of every image, [M] (integer).</param>
    /// <param name="allowEmpty">
    /// When false (default) a node without images is an <see cref="ArborException"/> naming the node. When true such a
    /// node takes its parent's prototype (so the mean of the images under its nearest ancestor that has any); a level-1
    /// node without images takes the mean of all images.
    /// </param>
    /// <param name="source">The dataset (file or name), for error messages.</param>
    public static Tensor Compute(ClassHierarchy hierarchy, Tensor features, Tensor leafIds, bool allowEmpty = false, string? source = null)
    {
        if (features.dim() != 2)
            throw new ArborException($"image features must be [images, dim], got [{string.Join(", ", features.shape)}]", source);
        long m = features.shape[0], p = features.shape[1];
        if (leafIds.dim() != 1 || leafIds.shape[0] != m)
            throw new ArborException($"{m} image features but leaf ids of shape [{string.Join(", ", leafIds.shape)}]", source);
        if (m == 0) throw new ArborException("no training images: prototypes need at least one image per class", source);

        using var scope = torch.NewDisposeScope();
        var device = features.device;
        var leaves = leafIds.to(ScalarType.Int64).to(device);
        long minLeaf = leaves.min().item<long>(), maxLeaf = leaves.max().item<long>();
        if (minLeaf < 0 || maxLeaf >= hierarchy.LeafCount)
            throw new ArborException(
                $"leaf id {(minLeaf < 0 ? minLeaf : maxLeaf)} out of range: hierarchy '{hierarchy.Name}' has {hierarchy.LeafCount} leaves", source);

        int depth = hierarchy.Depth, n = hierarchy.Nodes.Count;
        // nodeOfLeaf[l, leaf] = global index of the leaf's ancestor at level l + 1.
        var levelOfLeaf = hierarchy.LevelOfLeaf();
        var nodeOfLeaf = new long[depth, hierarchy.LeafCount];
        for (int l = 0; l < depth; l++)
            for (int leaf = 0; leaf < hierarchy.LeafCount; leaf++)
                nodeOfLeaf[l, leaf] = hierarchy.LevelOffset(l + 1) + levelOfLeaf[l][leaf];
        var nodeIds = torch.tensor(nodeOfLeaf, device: device).index_select(1, leaves);      // [L, M]

        var sums = torch.zeros(n, p, dtype: ScalarType.Float64, device: device);
        for (long start = 0; start < m; start += ChunkRows)
        {
            long len = Math.Min(ChunkRows, m - start);
            var chunk = features.detach().narrow(0, start, len).to(ScalarType.Float64);
            for (int l = 0; l < depth; l++)
                sums.index_add_(0, nodeIds[l].narrow(0, start, len), chunk, 1.0);
        }
        var counts = torch.bincount(nodeIds.flatten(), minlength: n).to(ScalarType.Float64);   // [N]
        var prototypes = sums / counts.clamp_min(1).unsqueeze(1);

        var countArray = counts.cpu().data<double>().ToArray();
        var empty = Enumerable.Range(0, n).Where(g => countArray[g] == 0).ToArray();
        if (empty.Length > 0)
        {
            if (!allowEmpty)
            {
                var names = empty.Take(5).Select(g => $"'{hierarchy.Nodes[g].Name}' (level {hierarchy.Nodes[g].Level})");
                throw new ArborException(
                    $"{empty.Length} class(es) have no training images, e.g. {string.Join(", ", names)}; HGCLIP's image " +
                    "prototypes need at least one image under every class (or allow the fallback to the parent's prototype)", source);
            }
            var globalMean = sums.narrow(0, 0, hierarchy.ClassesAt(1)).sum(dim: 0) / m;   // level 1 covers every image once
            foreach (int g in empty)   // global order is coarse → fine, so a parent is settled before its children
            {
                int parent = hierarchy.Nodes[g].Parent;
                prototypes[g] = parent < 0 ? globalMean : prototypes[parent].clone();
            }
        }
        return prototypes.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
