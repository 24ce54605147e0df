using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.CrossEntropy;

/// <summary>
/// A classifier on backbone features <c>[B, F]</c> that returns one logits tensor per level, coarse → fine,
/// <c>[B, classes_at_level]</c>, and knows its own training loss.
/// </summary>
public abstract class LevelClassifierHead : nn.Module<Tensor, Tensor[]>
{
    /// <summary>The hierarchy whose levels the head predicts.</summary>
    public ClassHierarchy Hierarchy { get; }

    /// <summary>Input feature width.</summary>
    public int FeatureDim { get; }

    protected LevelClassifierHead(string name, ClassHierarchy hierarchy, int featureDim) : base(name)
    {
        if (featureDim < 1) throw new ArgumentOutOfRangeException(nameof(featureDim));
        Hierarchy = hierarchy;
        FeatureDim = featureDim;
    }

    /// <summary>The training loss for per-level logits (from <c>forward</c>) and labels <c>[B, L]</c> (local id per level).</summary>
    public abstract Tensor Loss(Tensor[] levelLogits, Tensor labels);

    protected void CheckLabels(Tensor[] levelLogits, Tensor labels)
    {
        if (levelLogits.Length != Hierarchy.Depth)
            throw new ArgumentException($"expected logits for {Hierarchy.Depth} levels, got {levelLogits.Length}");
        if (labels.dim() != 2 || labels.shape[1] != Hierarchy.Depth || labels.shape[0] != levelLogits[0].shape[0])
            throw new ArgumentException($"labels must be [{levelLogits[0].shape[0]}, {Hierarchy.Depth}], got [{string.Join(", ", labels.shape)}]");
    }

    protected void CheckFeatures(Tensor features)
    {
        if (features.dim() != 2 || features.shape[1] != FeatureDim)
            throw new ArgumentException($"features must be [B, {FeatureDim}], got [{string.Join(", ", features.shape)}]");
    }
}
