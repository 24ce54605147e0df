namespace Arbor.Methods.Prompting;

/// <summary>Shape and initialisation of learnable prompt tokens (defaults: IVLP / HGCLIP's 4 tokens, depth 9).</summary>
public sealed record PromptOptions
{
    /// <summary>Context tokens per layer (nCtx).</summary>
    public int ContextTokens { get; init; } = 4;

    /// <summary>
    /// Layers that get fresh prompt tokens: 1 = the input only (shallow, CoOp); k &gt; 1 = the input and blocks 1..k-1
    /// (deep). Clamped to the tower's layer count.
    /// </summary>
    public int Depth { get; init; } = 9;

    /// <summary>
    /// Words whose first nCtx token embeddings initialise the text context; further tokens stay in the prompt as frozen
    /// words; fewer than nCtx tokens are refused; empty = random N(0, <see cref="InitStd"/>) context.
    /// </summary>
    public string TextInit { get; init; } = "a photo of a";

    /// <summary>Standard deviation of the normal draw of every other prompt token.</summary>
    public double InitStd { get; init; } = 0.02;

    /// <summary>CoOp: text context only at the input.</summary>
    public static PromptOptions Shallow { get; } = new() { Depth = 1 };

    internal int DepthFor(int layers) => Math.Clamp(Depth, 1, Math.Max(1, layers));

    internal void Validate()
    {
        if (ContextTokens < 1) throw new ArgumentOutOfRangeException(nameof(ContextTokens), "at least one context token");
        if (Depth < 1) throw new ArgumentOutOfRangeException(nameof(Depth), "prompt depth is at least 1");
        if (InitStd < 0) throw new ArgumentOutOfRangeException(nameof(InitStd));
    }
}
