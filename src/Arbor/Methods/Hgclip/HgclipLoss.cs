using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Hgclip;

/// <summary>
/// HGCLIP's training loss: cross-entropy at every level, the finest level weighted 2 and the others 1, the weighted sum
/// divided by the number of levels.
/// </summary>
public sealed class HgclipLoss
{
    /// <summary>Weight of the finest level's cross-entropy.</summary>
    public const double FinestLevelWeight = 2.0;

    readonly long[][] _levelOfLeaf;

    /// <summary>Number of levels.</summary>
    public int Depth { get; }

    public HgclipLoss(ClassHierarchy hierarchy)
    {
        Depth = hierarchy.Depth;
        _levelOfLeaf = hierarchy.LevelOfLeaf().Select(m => m.Select(v => (long)v).ToArray()).ToArray();
    }

    /// <summary>The loss for per-level logits and the batch's leaf ids [B]; targets at every level follow from the tree.</summary>
    public Tensor Compute(IReadOnlyList<Tensor> levelLogits, Tensor leafIds)
    {
        if (levelLogits.Count != Depth) throw new ArgumentException($"expected logits for {Depth} levels, got {levelLogits.Count}");
        using var scope = torch.NewDisposeScope();
        var leaves = leafIds.to(ScalarType.Int64).to(levelLogits[0].device);
        var targets = _levelOfLeaf.Select(map => torch.tensor(map, device: leaves.device).index_select(0, leaves)).ToArray();
        return Compute(levelLogits, targets).MoveToOuterDisposeScope();
    }

    /// <summary>The loss for per-level logits and per-level targets (local class ids, [B] each).</summary>
    public static Tensor Compute(IReadOnlyList<Tensor> levelLogits, IReadOnlyList<Tensor> levelTargets)
    {
        if (levelLogits.Count == 0 || levelLogits.Count != levelTargets.Count)
            throw new ArgumentException($"{levelLogits.Count} logits tensors but {levelTargets.Count} target tensors");
        using var scope = torch.NewDisposeScope();
        int depth = levelLogits.Count;
        Tensor? total = null;
        for (int l = 0; l < depth; l++)
        {
            var ce = nn.functional.cross_entropy(levelLogits[l], levelTargets[l]);
            var term = l == depth - 1 ? ce * FinestLevelWeight : ce;
            total = total is null ? term : total + term;
        }
        return (total! / depth).MoveToOuterDisposeScope();
    }
}
