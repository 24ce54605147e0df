using Arbor.Hierarchy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// A-HMLC (Ott et al. 2025, as Arbor specifies it): one attention head per level turns the backbone feature h of a view
/// into a soft mask over the projection dimensions, <c>m_h = σ(W_h2 · GELU(W_h1 · h + b_h1) + b_h2)</c> ∈ (0,1)^D, and
/// level h contrasts <c>normalise(z ⊙ m_h)</c>; <c>L = 1/H Σ_h λ_h L_h</c> with HiMulCon's λ, anchors weighted by
/// inverse class frequency (default). The heads are registered submodules, so <c>parameters()</c> hands them to the
/// optimiser together with the backbone's.
/// With <see cref="MaskHeadKind.Static"/> each level's mask is instead one learned vector <c>m_h = σ(θ_h)</c>, the same
/// for every sample (H×D parameters, the shape of G-HMLC's hard masks): the equal-capacity control that separates
/// "soft vs hard" from the heads' extra capacity and sample conditioning.
/// </summary>
public sealed class AHmlcLoss : ContrastiveObjective
{
    readonly ContrastiveOptions options;
    // Field names are checkpoint keys; exactly one of the two is set. Attention keeps the keys of earlier checkpoints.
    readonly ModuleList<Sequential>? mask_heads;
    readonly Parameter? mask_logits;   // static: θ [H, D], masks σ(θ_h)

    /// <summary>Number of hierarchy levels.</summary>
    public int Levels { get; }

    /// <summary>Projection width D.</summary>
    public int ProjectionDim { get; }

    /// <summary>Backbone feature width F (the heads' input).</summary>
    public int FeatureDim { get; }

    /// <summary>Attention heads or static per-level masks.</summary>
    public MaskHeadKind MaskHeads => options.MaskHeads;

    public AHmlcLoss(int levels, int projectionDim, int featureDim, ContrastiveOptions? options = null) : base(nameof(AHmlcLoss))
    {
        if (levels < 1) throw new ArgumentOutOfRangeException(nameof(levels));
        this.options = options ?? new ContrastiveOptions();
        this.options.Validate();
        Levels = levels;
        ProjectionDim = projectionDim;
        FeatureDim = featureDim;
        if (this.options.MaskHeads == MaskHeadKind.Static)
        {
            // θ = 0 gives every level the mask 0.5 everywhere: no level favours any dimension before the loss has spoken,
            // the start is deterministic (nothing random to seed), and σ is steepest there. Because level h contrasts
            // normalise(z ⊙ m_h), a uniform mask is the same as no mask, so training starts from inverse-frequency
            // HiMulCon — where G-HMLC starts before its first refit, which keeps the two comparable.
            mask_logits = new Parameter(torch.zeros(levels, projectionDim).DetachFromDisposeScope());
        }
        else
        {
            int hidden = this.options.MaskHiddenDim > 0 ? this.options.MaskHiddenDim : projectionDim;
            mask_heads = new ModuleList<Sequential>();
            for (int h = 0; h < levels; h++)
                mask_heads.Add(Sequential(
                    ("0", Linear(featureDim, hidden)),
                    ("1", GELU()),
                    ("2", Linear(hidden, projectionDim)),
                    ("3", Sigmoid())));
        }
        RegisterComponents();
    }

    public AHmlcLoss(ClassHierarchy hierarchy, int projectionDim, int featureDim, ContrastiveOptions? options = null)
        : this(hierarchy.Depth, projectionDim, featureDim, options) { }

    /// <inheritdoc/>
    public override string Method => "a-hmlc";

    /// <summary>
    /// The soft mask of every level for backbone features <c>[..., F]</c>: H tensors <c>[..., D]</c> in (0, 1). Static
    /// masks ignore the values and return σ(θ_h) broadcast to that shape (a view; every sample gets the same mask).
    /// </summary>
    public Tensor[] Masks(Tensor features)
    {
        if (mask_heads is not null) return mask_heads.Select(head => head.forward(features)).ToArray();
        var shape = features.shape[..^1].Append(ProjectionDim).ToArray();
        return Enumerable.Range(0, Levels).Select(h => mask_logits![h].sigmoid().expand(shape)).ToArray();
    }

    /// <inheritdoc/>
    public override bool AppliesPairwiseHiConE => options.FeatureMethodsConstraint && options.HiConEForm == HiConEForm.Pairwise;

    /// <inheritdoc/>
    public override Tensor Loss(Tensor z, Tensor labels, Tensor? features = null)
    {
        if (features is null && mask_heads is not null)
            throw new ArgumentException("A-HMLC needs the backbone features [N, V, F] of every view to compute its level masks");
        using var scope = NewDisposeScope();
        labels = CheckInputs(z, labels);
        if (labels.shape[1] != Levels || z.shape[2] != ProjectionDim)
            throw new ArgumentException($"A-HMLC was built for {Levels} levels and {ProjectionDim} dims, got labels " +
                $"[{string.Join(", ", labels.shape)}] and z [{string.Join(", ", z.shape)}]");
        if (features is not null && (features.dim() != 3 || features.shape[0] != z.shape[0] || features.shape[1] != z.shape[1] || features.shape[2] != FeatureDim))
            throw new ArgumentException($"features must be [{z.shape[0]}, {z.shape[1]}, {FeatureDim}], got [{string.Join(", ", features.shape)}]");
        Tensor[] masks;
        if (mask_heads is null)
            masks = Masks(z).Select(m => m.to(z.dtype)).ToArray();   // static: only the shape of z matters, [N, V, D]
        else
        {
            var maskInput = features!.to(z.dtype);
            if (options.DetachMaskInput) maskInput = maskInput.detach();
            masks = Masks(maskInput);
        }
        return HierarchicalContrast.MaskedLevelsLoss(z, labels, Levels, h => masks[h], options).MoveToOuterDisposeScope();
    }
}
