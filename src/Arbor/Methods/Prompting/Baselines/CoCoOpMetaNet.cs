using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting.Baselines;

/// <summary>
/// CoCoOp's meta-network: Linear(P → P/16) – ReLU – Linear(P/16 → text width) on the unit image feature, giving the
/// per-image shift π(x) that is added to every context token (all nCtx tokens get the same shift, as in the paper).
/// </summary>
public sealed class CoCoOpMetaNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state-dict names
    readonly Linear linear1, linear2;
#pragma warning restore IDE1006

    public CoCoOpMetaNet(int featureDim, int textWidth) : base("meta_net")
    {
        int hidden = Math.Max(1, featureDim / 16);
        linear1 = nn.Linear(featureDim, hidden);
        linear2 = nn.Linear(hidden, textWidth);
        RegisterComponents();
    }

    /// <summary>Unit image features [B, P] → shifts [B, text width].</summary>
    public override Tensor forward(Tensor imageFeatures)
    {
        using var hidden = nn.functional.relu(linear1.forward(imageFeatures));
        return linear2.forward(hidden);
    }
}
