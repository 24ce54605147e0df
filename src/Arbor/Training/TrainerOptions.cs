namespace Arbor.Training;

/// <summary>Optimisation settings shared by every method.</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public string Optimizer { get; init; } = "sgd";
    public double LearningRate { get; init; } = 0.05;
    public double WeightDecay { get; init; } = 1e-4;
    public double Momentum { get; init; } = 0.9;
    /// <summary>Linear warm-up length in epochs (fractional allowed), then cosine to <see cref="MinLearningRateFactor"/>.</summary>
    public double WarmupEpochs { get; init; } = 1;
    public double MinLearningRateFactor { get; init; } = 0.0;
    /// <summary>Cosine per step (default) or reduce-on-plateau per epoch on the validation score (no warm-up).</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    public int Seed { get; init; } = 0;
    /// <summary>
    /// The ranks of a data-parallel run (docs/distributed.md): each takes its contiguous slice of every global batch,
    /// gradients are averaged over ranks, rank 0 alone writes checkpoints and logs. Default: one process.
    /// </summary>
    public Distributed.IProcessGroup Group { get; init; } = Distributed.SingleProcessGroup.Instance;
    /// <summary>Also log every step's loss (round-trip precision) and learning rate in the run's train.log: for comparing
    /// runs step by step (a data-parallel run against one process, docs/distributed.md).</summary>
    public bool LogSteps { get; init; }
}
