using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Graph;

/// <summary>
/// HGCLIP's graph encoder: three <see cref="GatLayer"/>s, sizes d → 2d → 2d → d (512 → 1024 → 1024 → 512 for CLIP
/// ViT-B/16; d is the CLIP projection size), GELU between layers and none after the last. Heads are averaged after every
/// layer; the default of one head is the reference's effective computation (it nests 8-head layers and keeps head 0 of
/// each, which is a single-head GAT). Input [N, d] or [B, N, d] → output of the same shape.
/// </summary>
public sealed class GraphEncoder : nn.Module<Tensor, GraphNeighbours, Tensor>
{
    /// <summary>Head count the reference draws its weights for (see <see cref="GatLayer(int,int,int,int?,string)"/>).</summary>
    public const int ReferenceInitHeads = 8;

#pragma warning disable IDE1006 // names mirror the reference's conv1..conv3
    readonly GatLayer conv1;
    readonly GatLayer conv2;
    readonly GatLayer conv3;
#pragma warning restore IDE1006

    /// <summary>Feature size d at input and output.</summary>
    public int Dim { get; }

    /// <summary>Heads per layer (averaged).</summary>
    public int Heads { get; }

    /// <param name="dim">Input and output size (the CLIP projection size).</param>
    /// <param name="heads">Heads per layer; outputs of several heads are averaged.</param>
    /// <param name="initHeads">Head count for the Xavier fans at initialisation; default the reference's 8.</param>
    /// <param name="name">Module name.</param>
    public GraphEncoder(int dim, int heads = 1, int initHeads = ReferenceInitHeads, string name = "graph_encoder") : base(name)
    {
        Dim = dim;
        Heads = heads;
        int hidden = 2 * dim;
        conv1 = new GatLayer(dim, hidden, heads, initHeads);
        conv2 = new GatLayer(hidden, hidden, heads, initHeads);
        conv3 = new GatLayer(hidden, dim, heads, initHeads);
        RegisterComponents();
    }

    /// <summary>The three layers, input to output (for tests and inspection).</summary>
    public IReadOnlyList<GatLayer> Layers => new[] { conv1, conv2, conv3 };

    public override Tensor forward(Tensor features, GraphNeighbours graph)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.gelu(conv1.forward(features, graph).mean([-2]));
        h = nn.functional.gelu(conv2.forward(h, graph).mean([-2]));
        h = conv3.forward(h, graph).mean([-2]);
        return h.MoveToOuterDisposeScope();
    }
}
