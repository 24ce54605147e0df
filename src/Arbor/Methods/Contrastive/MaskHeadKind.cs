namespace Arbor.Methods.Contrastive;

/// <summary>Where A-HMLC's soft level masks come from (<see cref="ContrastiveOptions.MaskHeads"/>).</summary>
public enum MaskHeadKind
{
    /// <summary>One attention head per level on the backbone feature (Linear → GELU → Linear → σ): a mask per sample,
    /// about 2·F·D parameters per level. The method as specified.</summary>
    Attention,
    /// <summary>One learned vector per level, <c>m_h = σ(θ_h)</c>, θ_h ∈ ℝ^D: the same mask for every sample, H×D
    /// parameters — the shape of G-HMLC's hard masks. The equal-capacity control for "soft vs hard masks".</summary>
    Static,
}
