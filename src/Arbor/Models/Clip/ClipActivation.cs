using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>The MLP activations CLIP configs name (<c>hidden_act</c>).</summary>
internal static class ClipActivation
{
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        // OpenAI's CLIP: x · σ(1.702 x). TorchSharp has no quick_gelu.
        "quick_gelu" => QuickGelu,
        "gelu" => x => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "relu" => x => nn.functional.relu(x),
        _ => throw new ArgumentException($"unknown activation '{name}'"),
    };

    /// <summary>1.702 as a native scalar made once: a fresh one per call would live until a garbage collection (see CachedScalars).</summary>
    static readonly Scalar QuickGeluScale = 1.702.ToScalar();

    /// <summary>
    /// x · σ(1.702 x). Without autograd the two last steps run in place on one temporary: on large activations each
    /// fresh tensor costs about as much as the arithmetic (allocation and first-touch page faults).
    /// </summary>
    static Tensor QuickGelu(Tensor x)
    {
        if (torch.is_grad_enabled()) return x * torch.sigmoid(x.mul(QuickGeluScale));
        // The in-place ops' own handles are disposed here: each one keeps the activation's storage alive otherwise.
        using var scope = torch.NewDisposeScope();
        var y = x.mul(QuickGeluScale);
        y.sigmoid_().mul_(x);
        return y.MoveToOuterDisposeScope();
    }
}
