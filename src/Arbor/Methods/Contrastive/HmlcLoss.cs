using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// Hierarchical multi-label contrastive loss (Zhang et al., CVPR 2022, "Use All The Labels"): SupCon at every level of
/// the hierarchy with that level's positives (matching label prefix), plus optionally an instance level, combined as
/// <see cref="HmlcVariant"/> says: <c>L = 1/|levels| Σ_l λ_l L_l</c>, λ_l = exp(1/k), k = 1 for the finest contrasted
/// level (HiMulCon), with the HiConE constraint (HiConE, unit λ), or both (HiMulConE).
/// </summary>
public sealed class HmlcLoss : ContrastiveObjective
{
    readonly ContrastiveOptions options;

    /// <summary>The level combination.</summary>
    public HmlcVariant Variant { get; }

    public HmlcLoss(HmlcVariant variant = HmlcVariant.HiMulCon, ContrastiveOptions? options = null) : base(nameof(HmlcLoss))
    {
        Variant = variant;
        this.options = options ?? new ContrastiveOptions();
        this.options.Validate();
    }

    /// <inheritdoc/>
    public override string Method => Variant switch
    {
        HmlcVariant.HiMulCon => "hmlc",
        HmlcVariant.HiConE => "hicone",
        _ => "himulcone",
    };

    /// <inheritdoc/>
    public override bool AppliesPairwiseHiConE => Variant != HmlcVariant.HiMulCon && options.HiConEForm == HiConEForm.Pairwise;

    /// <inheritdoc/>
    public override Tensor Loss(Tensor z, Tensor labels, Tensor? features = null)
    {
        using var scope = NewDisposeScope();
        labels = CheckInputs(z, labels);
        var logits = LevelPositives.Logits(z, options.Temperature);
        var levels = LevelPositives.PrefixMasks(labels).Select(same => new ContrastLevel(logits, same)).ToList();
        if (options.InstanceLevel) levels.Add(new ContrastLevel(logits, LevelPositives.InstanceMask(z.shape[0], z.device)));
        var how = new LevelCombination(
            ExponentialLevelWeights: Variant != HmlcVariant.HiConE,
            Constraint: Variant != HmlcVariant.HiMulCon,
            options.HiConEForm, options.InverseFrequency ?? false, options.BatchReduction,
            options.Temperature, options.BaseTemperature, options.LossScale);
        return HierarchicalContrast.Loss(levels, (int)z.shape[1], how).MoveToOuterDisposeScope();
    }
}
