using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Models.Vision;

/// <summary>
/// The contrastive projection head of SupCon/HMLC: Linear(h → h) → ReLU → Linear(h → out), output L2-normalised
/// (so z·z' is a cosine similarity). Linear layers keep TorchSharp's default (PyTorch) initialisation.
/// </summary>
public sealed class ProjectionHead : Module<Tensor, Tensor>
{
    readonly Linear hidden;
    readonly Linear output;

    /// <summary>Width of the normalised output.</summary>
    public int OutputDim { get; }

    public ProjectionHead(int featureDim, int outputDim = 128) : base(nameof(ProjectionHead))
    {
        hidden = Linear(featureDim, featureDim);
        output = Linear(featureDim, outputDim);
        OutputDim = outputDim;
        RegisterComponents();
    }

    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        var z = output.forward(functional.relu(hidden.forward(h)));
        return functional.normalize(z, p: 2, dim: -1).MoveToOuterDisposeScope();
    }
}
