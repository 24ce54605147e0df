using Arbor.Models.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Graph;

public class GatLayerTests
{
    // Four nodes: 0 and 1 are roots; 0 → 2; 0 → 3 and 2 → 3; every node has its self-loop. adj[dst, src].
    static readonly double[,] Adjacency =
    {
        { 1, 0, 0, 0 },
        { 0, 1, 0, 0 },
        { 1, 0, 1, 0 },
        { 1, 0, 1, 1 },
    };

    static readonly double[,] X =
    {
        { 0.5, -1.0, 2.0 },
        { 1.0, 0.0, -1.0 },
        { -0.5, 1.5, 0.25 },
        { 2.0, 0.5, -0.75 },
    };

    // Two heads of two outputs: rows 0-1 head 0, rows 2-3 head 1.
    static readonly double[,] W = { { 1, 0, 0.5 }, { 0, -1, 1 }, { 0.5, 0.5, 0 }, { -1, 0, 2 } };
    static readonly double[,] ASrc = { { 0.3, -0.7 }, { 1.1, 0.2 } };
    static readonly double[,] ADst = { { -0.4, 0.9 }, { 0.05, -0.6 } };
    static readonly double[] Bias = { 0.1, -0.2, 0.3, 0.0 };

    static GatLayer HandLayer()
    {
        var layer = new GatLayer(3, 2, heads: 2);
        GatReference.Write(layer, W, ASrc, ADst, Bias);
        return layer;
    }

    [Theory]
    [InlineData(GraphAggregation.Gather)]
    [InlineData(GraphAggregation.Dense)]
    public void MatchesHandComputedGat(GraphAggregation aggregation)
    {
        using var scope = NewDisposeScope();
        var layer = HandLayer();
        using var graph = new GraphNeighbours(torch.tensor(Adjacency, ScalarType.Float32), aggregation);
        Assert.Equal(aggregation == GraphAggregation.Dense, graph.UseDense);

        var actual = GatReference.To3D(layer.forward(torch.tensor(X, ScalarType.Float32), graph));
        var expected = GatReference.Layer(X, Adjacency, W, ASrc, ADst, Bias, heads: 2);
        AssertClose(expected, actual, 1e-5);

        // A root aggregates only itself: its softmax has one entry, so h' = W x + b. Node 1, by hand:
        // W x1 = [1·1 + 0.5·(-1), 0 - 1, 0.5, -1 - 2] = [0.5, -1, 0.5, -3]; + b = [0.6, -1.2 | 0.8, -3.0].
        Assert.Equal(0.6, actual[1, 0, 0], 5);
        Assert.Equal(-1.2, actual[1, 0, 1], 5);
        Assert.Equal(0.8, actual[1, 1, 0], 5);
        Assert.Equal(-3.0, actual[1, 1, 1], 5);
    }

    [Fact]
    public void AttentionWeightsAreASoftmaxOverIncomingEdges()
    {
        // Node 2 receives from 0 and itself. With head 0, by hand: z0 = [1.5, 3.0], z2 = [-0.375, -1.25];
        // a_src·z0 = 0.45 - 2.1 = -1.65, a_src·z2 = -0.1125 + 0.875 = 0.7625, a_dst·z2 = 0.15 - 1.125 = -0.975.
        // e_20 = LeakyReLU(-0.975 - 1.65) = 0.2 · (-2.625) = -0.525; e_22 = LeakyReLU(-0.975 + 0.7625) = -0.0425.
        double e20 = -0.525, e22 = -0.0425;
        double a20 = Math.Exp(e20) / (Math.Exp(e20) + Math.Exp(e22)), a22 = 1 - a20;
        double expected0 = a20 * 1.5 + a22 * -0.375 + 0.1;
        double expected1 = a20 * 3.0 + a22 * -1.25 - 0.2;

        using var scope = NewDisposeScope();
        var layer = HandLayer();
        using var graph = new GraphNeighbours(torch.tensor(Adjacency, ScalarType.Float32));
        var actual = GatReference.To3D(layer.forward(torch.tensor(X, ScalarType.Float32), graph));
        Assert.Equal(expected0, actual[2, 0, 0], 5);
        Assert.Equal(expected1, actual[2, 0, 1], 5);
    }

    [Fact]
    public void BatchDimensionComputesEachGraphIndependently()
    {
        using var scope = NewDisposeScope();
        var layer = HandLayer();
        using var graph = new GraphNeighbours(torch.tensor(Adjacency, ScalarType.Float32));
        var x = torch.tensor(X, ScalarType.Float32);
        var x2 = x * -1.5f + 0.25f;
        var batched = layer.forward(torch.stack(new[] { x, x2 }), graph);
        Assert.Equal(new long[] { 2, 4, 2, 2 }, batched.shape);
        Assert.True(torch.allclose(batched[0], layer.forward(x, graph), 1e-6, 1e-6));
        Assert.True(torch.allclose(batched[1], layer.forward(x2, graph), 1e-6, 1e-6));
    }

    [Fact]
    public void NeighbourTableListsIncomingEdgesPaddedWithSelf()
    {
        using var graph = new GraphNeighbours(torch.tensor(Adjacency, ScalarType.Float32), GraphAggregation.Gather);
        Assert.Equal(3, graph.MaxInDegree);
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, 0, 2, 2, 0, 2, 3 }, graph.Sources.flatten().data<long>().ToArray());
        Assert.Equal(new[] { true, false, false, true, false, false, true, true, false, true, true, true },
            graph.SourceMask.flatten().data<bool>().ToArray());
    }

    [Fact]
    public void NodeWithoutIncomingEdgeIsRejected()
    {
        var adj = torch.eye(3);
        adj[1, 1] = torch.tensor(0f);
        var ex = Assert.Throws<ArgumentException>(() => new GraphNeighbours(adj));
        Assert.Contains("node 1", ex.Message);
    }

    [Fact]
    public void InitialisationFollowsDglXavierWithReluGain()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var layer = new GatLayer(256, 128, heads: 2);
        var (w, src, _, bias) = Read(layer);
        double wStd = Math.Sqrt(2) * Math.Sqrt(2.0 / (256 + 2 * 128));
        double aStd = Math.Sqrt(2) * Math.Sqrt(2.0 / (2 * 128 + 128));
        Assert.InRange(w.std().item<float>(), wStd * 0.95, wStd * 1.05);
        Assert.InRange(src.std().item<float>(), aStd * 0.85, aStd * 1.15);
        Assert.Equal(0f, bias.abs().max().item<float>());

        // The reference's scale: weights drawn as for 8 heads.
        var reference = new GatLayer(256, 128, heads: 1, initHeads: 8);
        double refStd = Math.Sqrt(2) * Math.Sqrt(2.0 / (256 + 8 * 128));
        Assert.InRange(Read(reference).W.std().item<float>(), refStd * 0.95, refStd * 1.05);
    }

    static (Tensor W, Tensor Src, Tensor Dst, Tensor Bias) Read(GatLayer layer)
    {
        var p = layer.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        return (p["fc.weight"], p["attn_l"], p["attn_r"], p["bias"]);
    }

    internal static void AssertClose(double[,,] expected, double[,,] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                for (int k = 0; k < expected.GetLength(2); k++)
                    Assert.True(Math.Abs(expected[i, j, k] - actual[i, j, k]) <= tolerance * (1 + Math.Abs(expected[i, j, k])),
                        $"[{i},{j},{k}]: expected {expected[i, j, k]}, got {actual[i, j, k]}");
    }
}

public class GraphNeighboursLifetimeTests
{
    [Fact]
    public void TableOutlivesTheScopeItWasBuiltIn()
    {
        GraphNeighbours graph;
        using (NewDisposeScope())
            graph = new GraphNeighbours(torch.eye(3) + torch.eye(3, 3).roll(1, 1));
        using (graph)
        {
            Assert.Equal(2, graph.MaxInDegree);
            Assert.Equal(6, graph.Sources.numel());
        }
    }
}
