using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Hierarchy;

/// <summary>How many parallel parent → child edges the label graph holds.</summary>
public enum EdgeMultiplicity
{
    /// <summary>One edge per parent → child pair (the tree itself).</summary>
    One,
    /// <summary>
    /// One parent → child edge per leaf under the child — what the HGCLIP reference builds for datasets whose hierarchy
    /// it reads as one row per leaf (FGVC-Aircraft, Caltech-101, Fruits-360): it adds the level-1 → level-2 edge again for
    /// every leaf row. DGL keeps parallel edges, so in attention the parent counts that many times.
    /// </summary>
    PerLeaf,
}

/// <summary>
/// The label graph that graph networks run over: one node per class of every level, in the hierarchy's global order
/// (all of level 1, then level 2, …), with an edge from every parent to each of its children and a self-loop on every
/// node.
/// <para>
/// Convention (as in PyTorch Geometric): <see cref="EdgeIndex"/> is <c>[2, E]</c> int64 with row 0 the source and row 1
/// the destination; messages flow source → destination. Edges come in this order: the parent → child edges, by child
/// global index, then the self-loops of nodes 0…N-1. So E = (N − classes at level 1) + N.
/// <see cref="Adjacency"/> is the same graph as a dense <c>[N, N]</c> float32 matrix with <c>A[dst, src] = 1</c>: row i
/// lists what node i aggregates — its parent and itself (a level-1 node only itself) — so <c>A · X</c> sums each
/// node's incoming messages.
/// </para>
/// Both tensor methods return a new tensor on every call: the caller owns it and disposes it (or lets a dispose scope do it).
/// The edge lists themselves are plain arrays and need no disposal.
/// </summary>
public sealed class LabelGraph
{
    readonly long[] _sources;
    readonly long[] _destinations;

    /// <summary>Builds the graph of <paramref name="hierarchy"/>.</summary>
    public LabelGraph(ClassHierarchy hierarchy)
    {
        Hierarchy = hierarchy;
        NodeCount = hierarchy.Nodes.Count;
        var sources = new List<long>();
        var destinations = new List<long>();
        foreach (var node in hierarchy.Nodes)
            if (node.Parent >= 0)
            {
                sources.Add(node.Parent);
                destinations.Add(node.Index);
            }
        ParentEdgeCount = sources.Count;
        for (int n = 0; n < NodeCount; n++)
        {
            sources.Add(n);
            destinations.Add(n);
        }
        _sources = sources.ToArray();
        _destinations = destinations.ToArray();
    }

    /// <summary>The hierarchy the graph was built from.</summary>
    public ClassHierarchy Hierarchy { get; }

    /// <summary>Number of nodes N (every class of every level).</summary>
    public int NodeCount { get; }

    /// <summary>Number of parent → child edges (every node below level 1 has one).</summary>
    public int ParentEdgeCount { get; }

    /// <summary>Number of edges E: parent → child edges plus one self-loop per node.</summary>
    public int EdgeCount => _sources.Length;

    /// <summary>Source global index of every edge, in edge order.</summary>
    public IReadOnlyList<long> Sources => _sources;

    /// <summary>Destination global index of every edge, in edge order.</summary>
    public IReadOnlyList<long> Destinations => _destinations;

    /// <summary>A new <c>[2, E]</c> int64 tensor: row 0 sources, row 1 destinations. The caller disposes it.</summary>
    public Tensor EdgeIndex(Device? device = null)
    {
        var flat = new long[2 * EdgeCount];
        _sources.CopyTo(flat, 0);
        _destinations.CopyTo(flat, EdgeCount);
        return tensor(flat, new long[] { 2, EdgeCount }, ScalarType.Int64, device);
    }

    /// <summary>
    /// A new dense <c>[N, N]</c> float32 tensor with <c>A[dst, src]</c> = the number of edges src → dst: 1 for every edge,
    /// or with <see cref="EdgeMultiplicity.PerLeaf"/> the leaf count under the child for parent → child edges (self-loops
    /// stay 1). The caller disposes it.
    /// </summary>
    public Tensor Adjacency(Device? device = null, EdgeMultiplicity multiplicity = EdgeMultiplicity.One)
    {
        var dense = new float[NodeCount * NodeCount];
        for (int e = 0; e < EdgeCount; e++)
        {
            long src = _sources[e], dst = _destinations[e];
            bool parentEdge = src != dst;
            dense[dst * NodeCount + src] = parentEdge && multiplicity == EdgeMultiplicity.PerLeaf
                ? Hierarchy.DescendantLeaves((int)dst).Count
                : 1f;
        }
        return tensor(dense, new long[] { NodeCount, NodeCount }, ScalarType.Float32, device);
    }
}
