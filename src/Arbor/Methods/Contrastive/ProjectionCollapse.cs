using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// Watches a contrastive run for a collapsed projection: every image mapped to (nearly) the same point of the sphere.
/// The loss of a collapsed projection is a constant (each anchor's softmax over the batch is uniform), its gradient
/// small, and a run can sit there for its whole schedule while the epoch lines only show a loss that barely moves — the
/// per-pair HiConE constraint does exactly that on Fashion-MNIST (docs/results.md). The statistic is the mean cosine
/// between the embeddings of different rows of a batch, averaged over an epoch's batches: about 0 for a spread-out
/// projection, 0.75–0.9 early in a healthy HMLC run, 1 when collapsed.
/// </summary>
public sealed class ProjectionCollapse
{
    /// <summary>Mean off-diagonal cosine at or above which an epoch counts as collapsed.</summary>
    public const double Threshold = 0.99;

    double _sum;
    int _batches;
    bool _warned;

    /// <summary>Starts a new epoch's average.</summary>
    public void Reset() { _sum = 0; _batches = 0; }

    /// <summary>The epoch's mean off-diagonal cosine so far, or null before the first batch.</summary>
    public double? MeanCosine => _batches == 0 ? null : _sum / _batches;

    /// <summary>
    /// Adds one batch: <paramref name="z"/> is <c>[N, V, D]</c> (or any <c>[…, D]</c>); every row is one embedding. The
    /// mean cosine over the M(M − 1) ordered pairs of distinct rows comes from the sum of the unit rows s:
    /// (‖s‖² − M) / (M(M − 1)), computed in float64 without touching the autograd graph — O(M·D), not O(M²·D).
    /// </summary>
    public void Observe(Tensor z)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var rows = z.detach().reshape(-1, z.shape[^1]).to(ScalarType.Float64);
        long m = rows.shape[0];
        if (m < 2) return;
        var unit = nn.functional.normalize(rows, dim: 1);
        var sum = unit.sum(dim: 0);
        double squared = sum.dot(sum).item<double>();
        _sum += (squared - m) / ((double)m * (m - 1));
        _batches++;
    }

    /// <summary>
    /// The warning for the epoch just finished (<paramref name="epoch"/> 0-based), once per run: null unless this epoch's
    /// mean cosine is at or above <see cref="Threshold"/> and no warning was given yet. <paramref name="hint"/> says what
    /// to change.
    /// </summary>
    public string? Warning(int epoch, string hint)
    {
        if (_warned || MeanCosine is not double cosine || cosine < Threshold) return null;
        _warned = true;
        return $"the projection has collapsed at epoch {epoch + 1}: the mean cosine between the embeddings of different " +
               $"images is {cosine.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} (1 = every image " +
               $"at the same point), so the contrastive loss is stuck near its constant collapsed value and the projection " +
               $"separates nothing. {hint}";
    }
}
