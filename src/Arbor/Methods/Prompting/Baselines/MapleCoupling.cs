using TorchSharp;
using TorchSharp.Modules;
using Arbor.Models.Clip;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting.Baselines;

/// <summary>
/// MaPLe's vision–language coupling: one linear map (text width → vision width) per prompted layer, turning that layer's
/// text prompts into its visual prompts. The visual prompts have no parameters of their own, so gradients of the image
/// branch reach the text prompts through these maps.
/// </summary>
public sealed class MapleCoupling : nn.Module
{
#pragma warning disable IDE1006 // state-dict names
    readonly ModuleList<Linear> layers;
#pragma warning restore IDE1006

    /// <summary>Prompted layers (the input and blocks 1..depth-1).</summary>
    public int Depth { get; }

    public MapleCoupling(int depth, int textWidth, int visionWidth) : base("coupling")
    {
        Depth = depth;
        layers = new ModuleList<Linear>(Enumerable.Range(0, depth).Select(_ => nn.Linear(textWidth, visionWidth)).ToArray());
        RegisterComponents();
    }

    /// <summary>Visual prompts from the text learner's input context [nCtx, Wt] and deep context [depth-1, nCtx, Wt].</summary>
    public VisionPrompts Couple(Tensor context, Tensor? deep)
    {
        var shallow = layers[0].forward(context);
        var perBlock = new List<Tensor>();
        for (int j = 1; j < Depth && deep is not null; j++) perBlock.Add(layers[j].forward(deep[j - 1]));
        return new VisionPrompts(shallow, perBlock.Count == 0 ? null : perBlock);
    }
}

