using Arbor.Hierarchy;
using static TorchSharp.torch;

namespace Arbor.Methods.CrossEntropy;

/// <summary>
/// Linear evaluation of a contrastively trained backbone: one linear classifier per level on frozen features. Inputs
/// are detached, so training the probe never moves the backbone even if the caller forgets <c>no_grad</c>.
/// </summary>
public sealed class LinearProbe : LevelHeads
{
    public LinearProbe(ClassHierarchy hierarchy, int featureDim) : base(nameof(LinearProbe), hierarchy, featureDim) { }

    /// <inheritdoc/>
    public override Tensor[] forward(Tensor features) => base.forward(features.detach());
}
