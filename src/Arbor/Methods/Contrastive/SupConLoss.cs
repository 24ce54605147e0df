using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// Supervised contrastive loss (Khosla et al. 2020, "L_out"): every one of the N·V views is an anchor; its positives are
/// the other views with the same label, its denominator all other views;
/// <c>L_i = −1/|P(i)| Σ_p log(exp(z_i·z_p/τ) / Σ_{a≠i} exp(z_i·z_a/τ))</c>, averaged over anchors with at least one
/// positive and scaled by τ/τ_base. With labels <c>[N, L]</c> the label is the whole path (equivalently the leaf).
/// </summary>
public sealed class SupConLoss : ContrastiveObjective
{
    readonly ContrastiveOptions options;

    public SupConLoss(ContrastiveOptions? options = null) : base(nameof(SupConLoss))
    {
        this.options = options ?? new ContrastiveOptions();
        this.options.Validate();
    }

    /// <inheritdoc/>
    public override string Method => "supcon";

    /// <inheritdoc/>
    public override Tensor Loss(Tensor z, Tensor labels, Tensor? features = null) => Loss(z, labels, features, null);

    /// <summary>
    /// The loss with optional per-sample anchor weights <c>[N]</c> (each view of sample n weighs w_n; the weighted mean
    /// divides by the sum of the weights of the anchors that count).
    /// </summary>
    public Tensor Loss(Tensor z, Tensor labels, Tensor? features, Tensor? sampleWeights)
    {
        using var scope = NewDisposeScope();
        labels = CheckInputs(z, labels);
        var same = LevelPositives.PrefixMasks(labels)[^1];
        var level = new ContrastLevel(LevelPositives.Logits(z, options.Temperature), same);
        var how = new LevelCombination(false, false, options.HiConEForm, options.InverseFrequency ?? false, false,
            options.Temperature, options.BaseTemperature);
        return HierarchicalContrast.Loss(new[] { level }, (int)z.shape[1], how, sampleWeights).MoveToOuterDisposeScope();
    }
}
