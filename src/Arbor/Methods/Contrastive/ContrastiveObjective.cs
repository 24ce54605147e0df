using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// Base of Arbor's contrastive objectives: a <see cref="nn.Module"/> (so trainable masks and saved state travel with
/// <c>parameters()</c> and <c>state_dict()</c>) with the shared input checks.
/// </summary>
public abstract class ContrastiveObjective : nn.Module, IContrastiveObjective
{
    protected ContrastiveObjective(string name) : base(name) { }

    /// <inheritdoc/>
    public abstract string Method { get; }

    /// <inheritdoc/>
    public abstract Tensor Loss(Tensor z, Tensor labels, Tensor? features = null);

    /// <summary>
    /// Whether the loss applies the HiConE constraint per positive pair (<see cref="HiConEForm.Pairwise"/>), the form that
    /// can hold a projection collapsed (<see cref="ProjectionCollapse"/>); its warning then names the batch-mean form.
    /// </summary>
    public virtual bool AppliesPairwiseHiConE => false;

    /// <summary>Checks shapes and returns labels as <c>[N, L]</c> (a 1-D label vector becomes one level).</summary>
    protected static Tensor CheckInputs(Tensor z, Tensor labels)
    {
        if (z.dim() != 3)
            throw new ArgumentException($"z must be [N, V, D] (samples, views, dims), got [{string.Join(", ", z.shape)}]");
        if (labels.dim() == 1) labels = labels.unsqueeze(1);
        if (labels.dim() != 2 || labels.shape[0] != z.shape[0])
            throw new ArgumentException(
                $"labels must be [N, L] with N = {z.shape[0]} samples, got [{string.Join(", ", labels.shape)}]");
        if (labels.dtype != ScalarType.Int64) labels = labels.to(ScalarType.Int64);
        return labels;
    }
}
