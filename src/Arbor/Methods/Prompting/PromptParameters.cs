using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting;

/// <summary>What the text and visual prompt learners share: their trainable tensors and how deep prompts are handed out.</summary>
internal static class PromptParameters
{
    /// <summary>A trainable [shape] tensor drawn from N(0, std²), kept out of any dispose scope.</summary>
    public static Parameter Normal(double std, params long[] shape)
    {
        using var _ = no_grad();
        var p = new Parameter(randn(shape) * std, requires_grad: true);
        p.DetachFromDisposeScope();
        return p;
    }

    /// <summary>Deep prompts for blocks 1..depth-1 ([depth-1, tokens, width]), or null when the prompt is shallow.</summary>
    public static Parameter? Deep(int depth, int tokens, int width, double std) =>
        depth > 1 ? Normal(std, depth - 1, tokens, width) : null;

    /// <summary>The per-block views of <paramref name="deep"/> the towers' prompt hooks take.</summary>
    public static IReadOnlyList<Tensor>? PerBlock(Tensor? deep, int depth) =>
        deep is null ? null : Enumerable.Range(0, depth - 1).Select(i => deep[i]).ToArray();
}
