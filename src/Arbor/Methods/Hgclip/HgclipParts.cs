namespace Arbor.Methods.Hgclip;

/// <summary>The four HGCLIP parts that switch on and off independently (one ablation row per combination).</summary>
[Flags]
public enum HgclipParts
{
    /// <summary>Plain CLIP: no prompts, no graphs.</summary>
    None = 0,
    /// <summary>Learnable text context tokens (deep).</summary>
    TextPrompt = 1,
    /// <summary>GAT over the class graph on the text features of every node.</summary>
    TextGraph = 2,
    /// <summary>Learnable visual prompt tokens (deep).</summary>
    VisualPrompt = 4,
    /// <summary>GAT over the class graph on image prototypes, and the prototype attention term.</summary>
    VisualGraph = 8,
    /// <summary>All four parts: full HGCLIP.</summary>
    All = TextPrompt | TextGraph | VisualPrompt | VisualGraph,
}

/// <summary>Reads and writes the <c>--parts</c> option: <c>text-prompt,text-graph,visual-prompt,visual-graph</c>, <c>all</c>, <c>none</c>.</summary>
public static class HgclipPartsParser
{
    static readonly (string Name, HgclipParts Part)[] Names =
    {
        ("text-prompt", HgclipParts.TextPrompt),
        ("text-graph", HgclipParts.TextGraph),
        ("visual-prompt", HgclipParts.VisualPrompt),
        ("visual-graph", HgclipParts.VisualGraph),
    };

    /// <summary>The valid names, as the option accepts them.</summary>
    public static IReadOnlyList<string> ValidNames { get; } = Names.Select(n => n.Name).Concat(new[] { "all", "none" }).ToArray();

    /// <summary>
    /// Parses a comma-separated list (case-insensitive, spaces ignored). <c>all</c> and <c>none</c> stand alone or combine
    /// (<c>none</c> adds nothing). An unknown or empty name is an <see cref="ArborException"/> listing the valid names.
    /// </summary>
    public static HgclipParts Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = HgclipParts.None;
        var items = text.Split(',').Select(s => s.Trim()).ToArray();
        foreach (var item in items)
        {
            if (item.Length == 0)
                throw new ArborException($"--parts: empty name in '{text}'; valid names: {string.Join(", ", ValidNames)}");
            var lower = item.ToLowerInvariant();
            if (lower == "all") { parts |= HgclipParts.All; continue; }
            if (lower == "none") continue;
            var match = Names.Where(n => n.Name == lower).Select(n => (HgclipParts?)n.Part).FirstOrDefault()
                ?? throw new ArborException($"--parts: unknown part '{item}'; valid names: {string.Join(", ", ValidNames)}");
            parts |= match;
        }
        return parts;
    }

    /// <summary>The option text for a set of parts (<c>all</c>, <c>none</c>, or the names in a fixed order).</summary>
    public static string Format(HgclipParts parts) => parts switch
    {
        HgclipParts.All => "all",
        HgclipParts.None => "none",
        _ => string.Join(",", Names.Where(n => parts.HasFlag(n.Part)).Select(n => n.Name)),
    };
}
