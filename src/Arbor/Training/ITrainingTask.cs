using Arbor.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Training;

/// <summary>
/// What the <see cref="Trainer"/> drives: a model whose state goes into checkpoints, the parameters to optimise, and the
/// loss of one batch. Methods (cross-entropy, contrastive pretraining, HGCLIP, prompt learners) implement this.
/// </summary>
public interface ITrainingTask
{
    /// <summary>Everything saved in a checkpoint (parameters and buffers).</summary>
    nn.Module Model { get; }

    /// <summary>The parameters the optimiser updates (frozen ones excluded).</summary>
    IReadOnlyList<Parameter> TrainableParameters { get; }

    /// <summary>Scalar training loss of one batch, in training mode, with autograd on.</summary>
    Tensor Loss(Batch batch);

    /// <summary>Called before each epoch (0-based), e.g. to refit G-HMLC masks or set train mode.</summary>
    void OnEpochStart(int epoch) { }
}

/// <summary>Validation after an epoch: a score to select the best epoch by (higher is better) and a line for people.</summary>
public sealed record EpochValidation(double Score, string Summary);
