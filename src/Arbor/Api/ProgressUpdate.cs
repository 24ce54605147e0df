namespace Arbor;

/// <summary>One step of a phase of long work (an epoch of training, an evaluation pass, feature extraction).</summary>
/// <param name="Phase">What runs, e.g. "epoch 3/10" or "evaluate test".</param>
/// <param name="Done">Steps (batches) completed in the phase.</param>
/// <param name="Total">Steps in the phase.</param>
/// <param name="Detail">The running figures of the phase when it has any (loss, learning rate), as the terminal shows them.</param>
/// <param name="Elapsed">Time since the phase started.</param>
public sealed record ProgressUpdate(string Phase, int Done, int Total, string? Detail, TimeSpan Elapsed)
{
    /// <summary>Fraction of the phase done, in [0, 1].</summary>
    public double Fraction => Total <= 0 ? 1 : Math.Clamp((double)Done / Total, 0, 1);
}
