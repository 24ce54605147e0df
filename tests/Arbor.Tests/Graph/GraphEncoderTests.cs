using Arbor.Hierarchy;
using Arbor.Models.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Graph;

public class GraphEncoderTests
{
    static readonly ClassHierarchy Fashion = BuiltInHierarchies.FashionMnist();   // 2 / 6 / 10 = 18 nodes

    [Fact]
    public void SizesFollowTheProjectionDim()
    {
        using var scope = NewDisposeScope();
        var encoder = new GraphEncoder(8);
        using var graph = new GraphNeighbours(GatReference.TreeAdjacency(Fashion));
        Assert.Equal(new[] { (8, 16), (16, 16), (16, 8) }, encoder.Layers.Select(l => (l.InFeatures, l.OutFeatures)).ToArray());
        Assert.All(encoder.Layers, l => Assert.Equal(1, l.Heads));
        Assert.Equal(new long[] { 18, 8 }, encoder.forward(torch.randn(18, 8), graph).shape);
        Assert.Equal(new long[] { 3, 18, 8 }, encoder.forward(torch.randn(3, 18, 8), graph).shape);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EqualsLayerByLayerCompositionWithGeluBetweenAndHeadsAveraged(int heads)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var encoder = new GraphEncoder(4, heads);
        // Initial attention scores are tiny (near-uniform softmax); sharpen them and give the biases values so the
        // comparison is sensitive to every part of the formula.
        using (torch.no_grad())
            foreach (var (name, p) in encoder.named_parameters())
            {
                if (name.EndsWith("attn_l") || name.EndsWith("attn_r")) p.mul_(30);
                if (name.EndsWith("bias")) p.normal_(0, 0.5);
            }
        var adjTensor = GatReference.TreeAdjacency(Fashion);
        using var graph = new GraphNeighbours(adjTensor);
        var x = torch.randn(18, 4);

        // Independent composition: the loop-based double GAT for every layer, heads averaged, exact GELU between.
        var adj = GatReference.AdjacencyArray(adjTensor);
        var h = GatReference.To2D(x);
        for (int l = 0; l < 3; l++)
        {
            var (w, src, dst, bias) = GatReference.Read(encoder.Layers[l]);
            h = GatReference.MeanHeads(GatReference.Layer(h, adj, w, src, dst, bias, heads));
            if (l < 2) h = GatReference.To2D(nn.functional.gelu(torch.tensor(h, ScalarType.Float64)));
        }
        var actual = GatReference.To2D(encoder.forward(x, graph));
        for (int i = 0; i < 18; i++)
            for (int k = 0; k < 4; k++)
                Assert.True(Math.Abs(h[i, k] - actual[i, k]) <= 1e-4 * (1 + Math.Abs(h[i, k])), $"[{i},{k}] {h[i, k]} vs {actual[i, k]}");
    }

    [Fact]
    public void GradientReachesEveryParameter()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        var encoder = new GraphEncoder(6);
        using var graph = new GraphNeighbours(GatReference.TreeAdjacency(Fashion));
        var x = torch.randn(18, 6, requires_grad: true);
        encoder.forward(x, graph).pow(2).sum().backward();
        foreach (var (name, p) in encoder.named_parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"no gradient reaches {name}");
        }
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void MessagesFlowFromParentsToChildrenOnly()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var encoder = new GraphEncoder(6);
        using var graph = new GraphNeighbours(GatReference.TreeAdjacency(Fashion));
        var x = torch.randn(18, 6);
        var baseline = encoder.forward(x, graph);

        int Global(int level, string name) => Fashion.TryFind(level, name, out var n) ? n.Index : throw new KeyNotFoundException(name);
        bool Changed(Tensor other, int node) => !torch.allclose(baseline[node], other[node], 0, 0);

        // Changing a leaf's input changes only that leaf: coarse nodes see themselves (level 1) or their parent.
        var leafChanged = x.clone();
        int shirt = Global(3, "Shirt");
        leafChanged[shirt] = torch.randn(6);
        var y = encoder.forward(leafChanged, graph);
        Assert.True(Changed(y, shirt));
        for (int g = 0; g < 18; g++)
            if (g != shirt) Assert.False(Changed(y, g), $"node {Fashion.Nodes[g].Name} changed");

        // Changing a level-2 node ("tops") changes it and its children, nothing else.
        var parentChanged = x.clone();
        int tops = Global(2, "tops");
        parentChanged[tops] = torch.randn(6);
        var z = encoder.forward(parentChanged, graph);
        var affected = new HashSet<int> { tops, Global(3, "T-shirt/top"), Global(3, "Pullover"), shirt };
        for (int g = 0; g < 18; g++)
            Assert.Equal(affected.Contains(g), Changed(z, g));

        // Changing a level-1 node reaches its grandchildren too (three layers, two hops).
        var rootChanged = x.clone();
        int goods = Global(1, "goods");
        rootChanged[goods] = torch.randn(6);
        var r = encoder.forward(rootChanged, graph);
        Assert.True(Changed(r, Global(3, "Bag")));
        Assert.False(Changed(r, Global(3, "Dress")));
        Assert.False(Changed(r, Global(1, "clothes")));
    }
}
