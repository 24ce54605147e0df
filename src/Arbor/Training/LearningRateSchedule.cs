namespace Arbor.Training;

/// <summary>
/// Cosine annealing with linear warm-up, evaluated per optimiser step: the learning rate rises linearly from
/// <c>base/warmupSteps</c> to <c>base</c> over the warm-up steps, then follows half a cosine down to <c>base·minFactor</c>
/// at the last step. With no warm-up it starts at the base rate.
/// </summary>
public sealed class LearningRateSchedule
{
    public double BaseRate { get; }
    public int TotalSteps { get; }
    public int WarmupSteps { get; }
    public double MinFactor { get; }

    public LearningRateSchedule(double baseRate, int totalSteps, int warmupSteps = 0, double minFactor = 0.0)
    {
        if (baseRate <= 0) throw new ArgumentOutOfRangeException(nameof(baseRate), "learning rate must be positive");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), "training needs at least one step");
        BaseRate = baseRate;
        TotalSteps = totalSteps;
        WarmupSteps = Math.Clamp(warmupSteps, 0, totalSteps - 1);
        MinFactor = minFactor;
    }

    /// <summary>Learning rate for 0-based optimiser step <paramref name="step"/>.</summary>
    public double RateAt(int step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        int span = Math.Max(1, TotalSteps - WarmupSteps - 1);
        double progress = Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return BaseRate * (MinFactor + (1 - MinFactor) * cosine);
    }
}
