using Arbor.Hierarchy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Methods.CrossEntropy;

/// <summary>
/// The flat baseline: one softmax over the leaves, trained with cross-entropy on the leaf label. Coarser levels are read
/// off by marginalising, <c>log P(node) = logsumexp over the node's descendant leaves of log P(leaf)</c>, so every level's
/// output is a log-probability vector (usable as logits: its softmax is itself) and the levels are consistent by
/// construction.
/// </summary>
public sealed class LeafCrossEntropyHead : LevelClassifierHead
{
    readonly Linear classifier;
    // Per level above the leaves: [classes_at_level, leaves], 0 where the leaf lies under the node, −∞ elsewhere.
    // Kept out of fields: constants, not state.
    readonly Tensor[] leafMembership;

    public LeafCrossEntropyHead(ClassHierarchy hierarchy, int featureDim) : base(nameof(LeafCrossEntropyHead), hierarchy, featureDim)
    {
        classifier = Linear(featureDim, hierarchy.LeafCount);
        var leafToLevel = hierarchy.LevelOfLeaf();
        leafMembership = new Tensor[hierarchy.Depth - 1];
        for (int l = 0; l < hierarchy.Depth - 1; l++)
        {
            int classes = hierarchy.ClassesAt(l + 1);
            var values = new float[classes * hierarchy.LeafCount];
            Array.Fill(values, float.NegativeInfinity);
            for (int leaf = 0; leaf < hierarchy.LeafCount; leaf++) values[leafToLevel[l][leaf] * hierarchy.LeafCount + leaf] = 0;
            leafMembership[l] = torch.tensor(values).reshape(classes, hierarchy.LeafCount).DetachFromDisposeScope();
        }
        RegisterComponents();
    }

    /// <summary>Per-level log-probabilities <c>[B, classes_at_level]</c>, coarse → fine.</summary>
    public override Tensor[] forward(Tensor features)
    {
        CheckFeatures(features);
        using var scope = NewDisposeScope();
        var leafLogProb = functional.log_softmax(classifier.forward(features), -1);
        var levels = new Tensor[Hierarchy.Depth];
        for (int l = 0; l < Hierarchy.Depth - 1; l++)
        {
            var membership = leafMembership[l].to(leafLogProb.dtype, leafLogProb.device);
            levels[l] = (leafLogProb.unsqueeze(1) + membership.unsqueeze(0)).logsumexp(-1).MoveToOuterDisposeScope();
        }
        levels[^1] = leafLogProb.MoveToOuterDisposeScope();
        return levels;
    }

    /// <summary>Cross-entropy on the leaf level only.</summary>
    public override Tensor Loss(Tensor[] levelLogits, Tensor labels)
    {
        CheckLabels(levelLogits, labels);
        return functional.nll_loss(levelLogits[^1], labels[.., Hierarchy.Depth - 1]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var t in leafMembership) t.Dispose();
        base.Dispose(disposing);
    }
}
