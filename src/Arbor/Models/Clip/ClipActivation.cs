using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

/// <summary>The MLP activations CLIP configs name (<c>hidden_act</c>).</summary>
internal static class ClipActivation
{
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        // OpenAI's CLIP: x · σ(1.702 x). TorchSharp has no quick_gelu.
        "quick_gelu" => x => x * torch.sigmoid(x * 1.702),
        "gelu" => x => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "relu" => x => nn.functional.relu(x),
        _ => throw new ArgumentException($"unknown activation '{name}'"),
    };
}
