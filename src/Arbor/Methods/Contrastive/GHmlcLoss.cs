using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// G-HMLC (Ott et al. 2025, as Arbor specifies it): every level h contrasts only its own projection dimensions,
/// <c>L_h = SupCon_h(normalise(z ⊙ M_h))</c> with hard masks M_h ∈ {0,1}^D found by <see cref="FeatureLevelIdentifier"/>;
/// <c>L = 1/H Σ_h λ_h L_h</c> with HiMulCon's λ, anchors weighted by inverse class frequency (default). Until the
/// first <see cref="Refit"/> every mask is all ones (the loss is then HiMulCon). The masks are a persistent buffer,
/// so they are saved and restored with the model's state.
/// </summary>
public sealed class GHmlcLoss : ContrastiveObjective
{
    readonly ContrastiveOptions options;
    readonly FeatureLevelIdentifier identifier;
    readonly Tensor level_masks;

    /// <summary>Number of hierarchy levels.</summary>
    public int Levels { get; }

    /// <summary>Projection width D.</summary>
    public int ProjectionDim { get; }

    /// <summary>The outcome of the latest refit (null before the first).</summary>
    public FeatureLevels? LastFit { get; private set; }

    public GHmlcLoss(int levels, int projectionDim, ContrastiveOptions? options = null) : base(nameof(GHmlcLoss))
    {
        if (levels < 1) throw new ArgumentOutOfRangeException(nameof(levels));
        this.options = options ?? new ContrastiveOptions();
        this.options.Validate();
        if (projectionDim < levels)
            throw new ArborException($"G-HMLC needs at least one projection dimension per level ({projectionDim} < {levels})");
        Levels = levels;
        ProjectionDim = projectionDim;
        identifier = new FeatureLevelIdentifier(levels, this.options.MixtureMaxIterations, this.options.MixtureTolerance, this.options.Seed);
        level_masks = torch.ones(levels, projectionDim).DetachFromDisposeScope();
        RegisterComponents();
    }

    public GHmlcLoss(ClassHierarchy hierarchy, int projectionDim, ContrastiveOptions? options = null)
        : this(hierarchy.Depth, projectionDim, options) { }

    /// <inheritdoc/>
    public override string Method => "g-hmlc";

    /// <summary>Current masks <c>[H, D]</c> (a copy).</summary>
    public Tensor Masks => level_masks.detach().clone();

    /// <summary>
    /// Whether the trainer should call <see cref="Refit"/> before the 0-based epoch <paramref name="epoch"/>: after every
    /// <see cref="ContrastiveOptions.RefitEveryEpochs"/> epochs of training (epochs E, 2E, …; never before epoch 0, when
    /// the features are still random).
    /// </summary>
    public bool NeedsRefit(int epoch) => epoch > 0 && epoch % options.RefitEveryEpochs == 0;

    /// <summary>
    /// Refits the masks from projections <paramref name="features"/> <c>[M, D]</c> (z of un-augmented or augmented
    /// training images, without masks) and their labels <c>[M, L]</c>.
    /// </summary>
    public FeatureLevels Refit(Tensor features, Tensor labels)
    {
        if (features.dim() != 2 || features.shape[1] != ProjectionDim)
            throw new ArgumentException($"features must be [M, {ProjectionDim}], got [{string.Join(", ", features.shape)}]");
        var fit = identifier.Identify(features, labels);
        using (torch.no_grad())
        using (var masks = fit.Masks(Levels))
            level_masks.copy_(masks);
        LastFit = fit;
        return fit;
    }

    /// <inheritdoc/>
    public override bool AppliesPairwiseHiConE => options.FeatureMethodsConstraint && options.HiConEForm == HiConEForm.Pairwise;

    /// <inheritdoc/>
    public override Tensor Loss(Tensor z, Tensor labels, Tensor? features = null)
    {
        using var scope = NewDisposeScope();
        labels = CheckInputs(z, labels);
        if (labels.shape[1] != Levels || z.shape[2] != ProjectionDim)
            throw new ArgumentException($"G-HMLC was built for {Levels} levels and {ProjectionDim} dims, got labels " +
                $"[{string.Join(", ", labels.shape)}] and z [{string.Join(", ", z.shape)}]");
        var masks = level_masks.to(z.dtype, z.device);
        return HierarchicalContrast.MaskedLevelsLoss(z, labels, Levels, h => masks[h], options).MoveToOuterDisposeScope();
    }
}
