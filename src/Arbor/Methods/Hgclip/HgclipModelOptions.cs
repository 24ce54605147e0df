using Arbor.Methods.Prompting;

namespace Arbor.Methods.Hgclip;

/// <summary>What an <see cref="HgclipModel"/> is built of: the parts that are on, the prompt shapes and the head's settings.</summary>
public sealed record HgclipModelOptions
{
    /// <summary>The four switchable parts (<c>--parts</c>); all by default.</summary>
    public HgclipParts Parts { get; init; } = HgclipParts.All;

    /// <summary>Text context: 4 tokens, depth 9, from "a photo of a" (CoOp: <see cref="PromptOptions.Shallow"/>).</summary>
    public PromptOptions TextPrompt { get; init; } = new();

    /// <summary>Visual prompts: 4 tokens, depth 9, N(0, 0.02).</summary>
    public PromptOptions VisualPrompt { get; init; } = new();

    /// <summary>Head constants and normalisation; the graph switches are always taken from <see cref="Parts"/>.</summary>
    public HgclipHeadOptions Head { get; init; } = new();

    /// <summary>Parallel parent → child edges of the label graph (the reference's per-leaf edges on some datasets).</summary>
    public Hierarchy.EdgeMultiplicity EdgeMultiplicity { get; init; } = Hierarchy.EdgeMultiplicity.One;

    /// <summary>The prompt of the frozen text features used when the text prompt is off.</summary>
    public string FrozenTemplate { get; init; } = "a photo of a {name}.";

    /// <summary>The head options with the graph switches of <see cref="Parts"/>.</summary>
    public HgclipHeadOptions ResolvedHead => Head with
    {
        TextGraph = Parts.HasFlag(HgclipParts.TextGraph),
        VisualGraph = Parts.HasFlag(HgclipParts.VisualGraph),
    };
}
