namespace Arbor.Methods.Contrastive;

/// <summary>Settings shared by the contrastive objectives; defaults follow the SupCon/HMLC reference recipes.</summary>
public sealed record ContrastiveOptions
{
    /// <summary>Softmax temperature τ.</summary>
    public double Temperature { get; init; } = 0.1;

    /// <summary>SupCon's base temperature: every loss is multiplied by τ / τ_base.</summary>
    public double BaseTemperature { get; init; } = 0.07;

    /// <summary>Also contrast an instance level below the leaves (SimCLR positives: only the sample's other views).</summary>
    public bool InstanceLevel { get; init; }

    /// <summary>Where HiConE's "coarser may not be smaller" constraint applies.</summary>
    public HiConEForm HiConEForm { get; init; } = HiConEForm.Pairwise;

    /// <summary>
    /// The reference code's batch reduction: after contrasting a level, keep one representative sample (the first in
    /// batch order) per distinct label at that level before contrasting the next coarser level.
    /// </summary>
    public bool BatchReduction { get; init; }

    /// <summary>Weight each anchor by the inverse frequency of its class at the level (weights average 1);
    /// null = the method's default (on for g-hmlc and a-hmlc, off for the others).</summary>
    public bool? InverseFrequency { get; init; }

    /// <summary>Apply the HiConE constraint to G-HMLC / A-HMLC level losses too (in <see cref="HiConEForm"/>).</summary>
    public bool FeatureMethodsConstraint { get; init; }

    /// <summary>G-HMLC: refit the level masks every this many epochs.</summary>
    public int RefitEveryEpochs { get; init; } = 1;

    /// <summary>G-HMLC: EM iteration cap and convergence tolerance (on the mean log-likelihood).</summary>
    public int MixtureMaxIterations { get; init; } = 200;

    /// <inheritdoc cref="MixtureMaxIterations"/>
    public double MixtureTolerance { get; init; } = 1e-6;

    /// <summary>G-HMLC: seed of the mixture's k-means++ initialisation.</summary>
    public int Seed { get; init; }

    /// <summary>A-HMLC: hidden width of each level's mask head (0 = the projection width).</summary>
    public int MaskHiddenDim { get; init; }

    /// <summary>
    /// A-HMLC: feed the mask heads a detached copy of the backbone feature. Off by default, which gives the backbone a
    /// second gradient path (through the masks) that no other method has; on, the backbone learns only through z.
    /// </summary>
    public bool DetachMaskInput { get; init; }

    /// <summary>
    /// A-HMLC: attention heads (per-sample masks, the default) or one static learned mask per level. Static masks have no
    /// hidden layer and read no backbone feature, so <see cref="MaskHiddenDim"/> and <see cref="DetachMaskInput"/> must
    /// stay at their defaults with them.
    /// </summary>
    public MaskHeadKind MaskHeads { get; init; } = MaskHeadKind.Attention;

    /// <summary>How the λ-weighted level losses are scaled (see <see cref="Contrastive.LossScale"/>).</summary>
    public LossScale LossScale { get; init; } = LossScale.Levels;

    internal void Validate()
    {
        if (!(Temperature > 0) || !(BaseTemperature > 0))
            throw new ArborException($"temperatures must be positive (τ = {Temperature}, τ_base = {BaseTemperature})");
        if (RefitEveryEpochs < 1) throw new ArborException($"mask refit interval must be ≥ 1 epoch, not {RefitEveryEpochs}");
        if (MixtureMaxIterations < 1) throw new ArborException("the mixture needs at least one EM iteration");
        if (MaskHiddenDim < 0) throw new ArborException($"mask head width must be ≥ 0, not {MaskHiddenDim}");
        if (!Enum.IsDefined(MaskHeads)) throw new ArborException($"unknown mask head kind {(int)MaskHeads}");
        if (MaskHeads == MaskHeadKind.Static && (MaskHiddenDim != 0 || DetachMaskInput))
            throw new ArborException("static level masks have no hidden layer and read no backbone feature: " +
                "a mask head width and a detached mask input apply to attention mask heads only");
    }
}
