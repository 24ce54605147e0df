namespace Arbor.Methods.Hgclip;

/// <summary>Which features the HGCLIP head L2-normalises.</summary>
public enum HgclipNormalization
{
    /// <summary>
    /// As the reference code: only the graph-encoded text features T̂ are normalised; the image global feature f, the
    /// token features F_v, the encoded prototypes P̂ and the pooled attention feature keep their scale. (With the visual
    /// graph off the reference normalises f too, and so does this mode.)
    /// </summary>
    Reference,
    /// <summary>As the paper writes it: every similarity is a cosine — f, F_v, P̂, T̂ and the pooled feature are normalised.</summary>
    Cosine,
}

/// <summary>Settings of the HGCLIP head (defaults from the paper and the reference code).</summary>
public sealed record HgclipHeadOptions
{
    /// <summary>Run the text features through the text graph encoder (else they are used as they are).</summary>
    public bool TextGraph { get; init; } = true;

    /// <summary>Run the prototypes through the image graph encoder and add the prototype-attention term (else the logits
    /// are the global term alone, as in the reference without attention).</summary>
    public bool VisualGraph { get; init; } = true;

    /// <summary>Softmax temperature α of the prototype attention A = softmax(F_v P̂ᵀ / α).</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Weight λ₂ of the attention term.</summary>
    public double Lambda2 { get; init; } = 0.2;

    /// <summary>Fixed scale of the attention term (the reference's 100).</summary>
    public double AttentionScale { get; init; } = 100.0;

    /// <summary>
    /// Normalisation mode; the reference code's form by default (chosen by measurement on pretrained towers, see
    /// docs/hgclip.md: it trained at least as well as the paper's cosine form in every comparison).
    /// </summary>
    public HgclipNormalization Normalization { get; init; } = HgclipNormalization.Reference;

    /// <summary>Heads per GAT layer (averaged); 1 is the reference's effective computation.</summary>
    public int GraphHeads { get; init; } = 1;

    /// <summary>Head count for the GAT Xavier fans at initialisation; 8 reproduces the reference's initial scale.</summary>
    public int GraphInitHeads { get; init; } = Models.Graph.GraphEncoder.ReferenceInitHeads;

    /// <summary>Default options with the graph switches taken from the <c>--parts</c> selection (prompts are not the head's).</summary>
    public static HgclipHeadOptions FromParts(HgclipParts parts) => new()
    {
        TextGraph = parts.HasFlag(HgclipParts.TextGraph),
        VisualGraph = parts.HasFlag(HgclipParts.VisualGraph),
    };
}
