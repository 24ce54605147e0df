using Arbor.Training;

namespace Arbor;

/// <summary>
/// The optimiser and its settings (<see cref="SgdOptions"/> or <see cref="AdamWOptions"/>); null fields take the
/// method's defaults. The learning rate is the peak of a linear warm-up followed by cosine decay.
/// </summary>
public abstract record OptimizerOptions
{
    private protected OptimizerOptions() { }

    /// <summary>Peak learning rate.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Decoupled (AdamW) or L2 (SGD) weight decay.</summary>
    public double? WeightDecay { get; init; }
    /// <summary>Warm-up length in epochs (fractions allowed) before the cosine decay.</summary>
    public double? WarmupEpochs { get; init; }

    /// <summary>The optimiser's name as the CLI and config.json spell it.</summary>
    public abstract string Name { get; }

    internal virtual RunConfig ApplyTo(RunConfig config) => config with
    {
        Optimizer = Name, LearningRate = LearningRate, WeightDecay = WeightDecay, WarmupEpochs = WarmupEpochs,
    };
}

/// <summary>SGD with momentum 0.9 (and Nesterov off), as the HMLC and HGCLIP references train.</summary>
public sealed record SgdOptions : OptimizerOptions
{
    public override string Name => "sgd";
}

/// <summary>AdamW (β = 0.9, 0.999; ε = 1e-8) with decoupled weight decay.</summary>
public sealed record AdamWOptions : OptimizerOptions
{
    public override string Name => "adamw";
}
