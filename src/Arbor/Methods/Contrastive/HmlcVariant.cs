namespace Arbor.Methods.Contrastive;

/// <summary>How HMLC combines its per-level losses (Zhang et al., CVPR 2022).</summary>
public enum HmlcVariant
{
    /// <summary>Level weights λ_l = exp(1/k), k = 1 at the finest contrasted level; no constraint.</summary>
    HiMulCon,
    /// <summary>Unit level weights; a coarser level's loss may not fall below the finer levels' (see <see cref="HiConEForm"/>).</summary>
    HiConE,
    /// <summary>Both: λ-weighted levels and the HiConE constraint.</summary>
    HiMulConE,
}

/// <summary>Where the HiConE constraint is applied.</summary>
public enum HiConEForm
{
    /// <summary>Per anchor–positive pair (the paper's statement): each pair term at level l is raised to at least the
    /// largest pair term of the same anchor at any finer level.</summary>
    Pairwise,
    /// <summary>Per level batch mean (the reference code): L_l ← max(L_l, max of the finer levels' L).</summary>
    BatchMean,
}

/// <summary>How the λ-weighted sum of level losses is scaled into the total loss.</summary>
public enum LossScale
{
    /// <summary><c>Σ_l λ_l L_l / |levels|</c> (Arbor's original form). With λ = exp(1/k) over three levels the total is about
    /// 1.9× a single SupCon term, so at one learning rate the λ-weighted methods take larger steps than SupCon/HiConE.</summary>
    Levels,
    /// <summary><c>Σ_l λ_l L_l / Σ_l λ_l</c>: a weighted mean, on SupCon's scale whatever the level weights.</summary>
    Normalised,
    /// <summary><c>Σ_l λ_l L_l / (|levels| + 1)</c>: the reference code's, which divides by its label columns including the
    /// instance-id column it never contrasts.</summary>
    Reference,
}
