using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Hierarchy;

public class LabelGraphTests
{
    readonly ClassHierarchy _fashion = BuiltInHierarchies.FashionMnist();

    [Fact]
    public void FashionMnistGraphHasParentEdgesThenSelfLoops()
    {
        var graph = new LabelGraph(_fashion);
        Assert.Equal(18, graph.NodeCount);
        Assert.Equal(16, graph.ParentEdgeCount);
        Assert.Equal(16 + 18, graph.EdgeCount);
        using var edges = graph.EdgeIndex();
        Assert.Equal(ScalarType.Int64, edges.dtype);
        Assert.Equal(new long[] { 2, 34 }, edges.shape);
        var src = edges[0].data<long>().ToArray();
        var dst = edges[1].data<long>().ToArray();
        for (int e = 0; e < 16; e++)
        {
            // Parent → child, by child global index: children are nodes 2…17.
            Assert.Equal(e + 2, dst[e]);
            Assert.Equal(_fashion.Nodes[e + 2].Parent, src[e]);
            Assert.Equal(_fashion.Nodes[(int)src[e]].Level + 1, _fashion.Nodes[(int)dst[e]].Level);
        }
        for (int n = 0; n < 18; n++)
        {
            Assert.Equal(n, src[16 + n]);
            Assert.Equal(n, dst[16 + n]);
        }
        Assert.Equal((0L, 2L), (src[0], dst[0]));           // clothes → tops
        Assert.Equal((7L, 16L), (src[14], dst[14]));        // accessories → Bag
    }

    [Fact]
    public void AdjacencyRowsListWhatANodeAggregates()
    {
        var graph = new LabelGraph(_fashion);
        using var a = graph.Adjacency();
        Assert.Equal(ScalarType.Float32, a.dtype);
        Assert.Equal(new long[] { 18, 18 }, a.shape);
        var m = a.data<float>().ToArray();
        float At(int dst, int src) => m[dst * 18 + src];
        Assert.Equal(1f, At(2, 0));         // tops aggregates clothes
        Assert.Equal(0f, At(0, 2));         // clothes does not aggregate tops
        Assert.Equal(1f, At(16, 7));        // Bag aggregates accessories
        for (int i = 0; i < 18; i++)
        {
            var node = _fashion.Nodes[i];
            Assert.Equal(1f, At(i, i));
            Assert.Equal(node.Level == 1 ? 1f : 2f, Enumerable.Range(0, 18).Sum(j => At(i, j)));
            Assert.Equal(1f + node.Children.Count, Enumerable.Range(0, 18).Sum(j => At(j, i)));
        }
    }

    [Fact]
    public void AdjacencyAndEdgeIndexDescribeTheSameGraph()
    {
        var graph = new LabelGraph(BuiltInHierarchies.Cifar100());
        using var scope = NewDisposeScope();
        var edges = graph.EdgeIndex();
        var fromEdges = zeros(120, 120).index_put_(tensor(1f), edges[1], edges[0]);
        Assert.True(fromEdges.eq(graph.Adjacency()).all().item<bool>());
        Assert.Equal(100 + 120, graph.EdgeCount);
        // Each call gives a new tensor the caller owns.
        Assert.NotSame(graph.EdgeIndex(), edges);
    }
}
