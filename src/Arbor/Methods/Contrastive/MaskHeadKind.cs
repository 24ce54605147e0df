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

/// <summary>The names of <see cref="MaskHeadKind"/> as <c>--mask-heads</c> and <c>config.json</c> spell them: the one
/// place a new kind is named.</summary>
public static class MaskHeadKinds
{
    /// <summary>Every kind's name, lower case, in the enum's order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        Enum.GetNames<MaskHeadKind>().Select(n => n.ToLowerInvariant()).ToArray();

    /// <summary>The kind named <paramref name="name"/>; null (configs written before the option existed) is
    /// <see cref="MaskHeadKind.Attention"/>. An unknown name is an <see cref="ArborException"/> listing the valid ones.</summary>
    public static MaskHeadKind Parse(string? name)
    {
        if (name is null) return MaskHeadKind.Attention;
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name.Trim(), StringComparison.OrdinalIgnoreCase)) return (MaskHeadKind)i;
        throw new ArborException($"unknown mask heads '{name}'; valid: {string.Join(", ", Names)}");
    }
}
