using Arbor.Hierarchy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Methods.CrossEntropy;

/// <summary>
/// The multi-head baseline: one linear classifier per level on the shared features; the loss is the mean of the
/// per-level cross-entropies. Levels are predicted independently (consistent decoding is the evaluator's job).
/// </summary>
public class LevelHeads : LevelClassifierHead
{
    readonly ModuleList<Linear> heads;

    public LevelHeads(ClassHierarchy hierarchy, int featureDim) : this(nameof(LevelHeads), hierarchy, featureDim) { }

    protected LevelHeads(string name, ClassHierarchy hierarchy, int featureDim) : base(name, hierarchy, featureDim)
    {
        heads = new ModuleList<Linear>();
        for (int level = 1; level <= hierarchy.Depth; level++) heads.Add(Linear(featureDim, hierarchy.ClassesAt(level)));
        RegisterComponents();
    }

    /// <summary>Per-level logits <c>[B, classes_at_level]</c>, coarse → fine.</summary>
    public override Tensor[] forward(Tensor features)
    {
        CheckFeatures(features);
        return heads.Select(head => head.forward(features)).ToArray();
    }

    /// <summary>Mean over levels of the cross-entropy of each level's logits.</summary>
    public override Tensor Loss(Tensor[] levelLogits, Tensor labels)
    {
        CheckLabels(levelLogits, labels);
        using var scope = NewDisposeScope();
        var total = functional.cross_entropy(levelLogits[0], labels[.., 0]);
        for (int l = 1; l < levelLogits.Length; l++) total = total + functional.cross_entropy(levelLogits[l], labels[.., l]);
        return (total / levelLogits.Length).MoveToOuterDisposeScope();
    }
}
