namespace Arbor.Training;

/// <summary>How the trainer sets the learning rate.</summary>
public enum ScheduleKind
{
    /// <summary>Linear warm-up, then half a cosine to the minimum, per optimiser step (<see cref="LearningRateSchedule"/>).</summary>
    Cosine,
    /// <summary>
    /// Constant until the validation score stops improving, then ×factor (<see cref="PlateauSchedule"/>): PyTorch's
    /// <c>ReduceLROnPlateau(mode="max")</c>, as the HGCLIP reference uses it — stepped on the validation split here, never
    /// on the test split (the reference steps it on its test accuracy).
    /// </summary>
    Plateau,
}

/// <summary>
/// PyTorch's <c>ReduceLROnPlateau</c> in mode "max" with a relative threshold and no cooldown: after every epoch,
/// <see cref="Step"/> takes the validation score; a score above <c>best·(1 + threshold)</c> is an improvement, anything
/// else a bad epoch; when the bad epochs exceed the patience the rate is multiplied by the factor (never below the minimum)
/// and the count restarts. Its state is three numbers, saved in every checkpoint so a resumed run continues exactly.
/// </summary>
public sealed class PlateauSchedule
{
    public double Factor { get; }
    public int Patience { get; }
    public double MinimumRate { get; }
    public double Threshold { get; }

    /// <summary>The current learning rate.</summary>
    public double Rate { get; private set; }

    /// <summary>The best score so far (−∞ before the first step).</summary>
    public double Best { get; private set; } = double.NegativeInfinity;

    /// <summary>Epochs since the last improvement.</summary>
    public int BadEpochs { get; private set; }

    /// <summary>The reference's settings: factor 0.1, patience 5, minimum 1e-7, PyTorch's default relative threshold 1e-4.</summary>
    public PlateauSchedule(double rate, double factor = 0.1, int patience = 5, double minimumRate = 1e-7, double threshold = 1e-4)
    {
        if (!(rate > 0)) throw new ArgumentOutOfRangeException(nameof(rate), "learning rate must be positive");
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), "factor must be in (0, 1)");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience));
        (Rate, Factor, Patience, MinimumRate, Threshold) = (rate, factor, patience, minimumRate, threshold);
    }

    /// <summary>Takes one epoch's validation score; returns true when the rate was reduced.</summary>
    public bool Step(double score)
    {
        if (score > Best * (1 + Threshold) || double.IsNegativeInfinity(Best))
        {
            Best = score;
            BadEpochs = 0;
        }
        else BadEpochs++;
        if (BadEpochs <= Patience) return false;
        BadEpochs = 0;
        double reduced = Math.Max(Rate * Factor, MinimumRate);
        if (Rate - reduced <= 1e-8) return false;   // PyTorch's eps: changes smaller than this are ignored
        Rate = reduced;
        return true;
    }

    /// <summary>Restores the state saved in a checkpoint.</summary>
    public void Restore(double rate, double best, int badEpochs) => (Rate, Best, BadEpochs) = (rate, best, badEpochs);
}
