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

    /// <summary>
    /// Called after each epoch (0-based): a warning about the run for the person watching it (shown as "warning: …" and
    /// written to the run's log), or null. Contrastive tasks report a collapsed projection here.
    /// </summary>
    string? EpochWarning(int epoch) => null;

    /// <summary>
    /// Called once before data-parallel training over <paramref name="group"/> (K &gt; 1). <see cref="Loss"/> then gets this
    /// rank's rows of each global batch and gradients are averaged over ranks; a task whose loss couples the samples of a
    /// batch (contrastive) gathers what it needs from the other ranks here (<see cref="Distributed.DifferentiableCollectives"/>).
    /// </summary>
    void JoinProcessGroup(Distributed.IProcessGroup group) { }
}

/// <summary>
/// Validation after an epoch: a score to select the best epoch by (higher is better), a line for people, and the per-level
/// top-1 accuracies behind it (for metrics.csv, TensorBoard and the training curves; null when the check has no levels).
/// </summary>
public sealed record EpochValidation(double Score, string Summary, IReadOnlyList<Evaluation.LevelMetrics>? Levels = null)
{
    /// <summary>
    /// Validation by per-level accuracy: the score is the mean top-1 over levels, the summary names every level
    /// ("group 91.2% / type 70.4% / item 60.1%"), prefixed by <paramref name="how"/> when given.
    /// </summary>
    public static EpochValidation FromLevels(IReadOnlyList<Evaluation.LevelMetrics> levels, string? how = null) => new(
        levels.Average(l => l.Top1),
        (how is null ? "" : how + " ") + string.Join(" / ", levels.Select(l =>
            $"{l.Name} {(l.Top1 * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}%")),
        levels);
}
