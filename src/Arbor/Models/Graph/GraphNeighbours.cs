using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Graph;

/// <summary>
/// The incoming edges of every node of a graph, read once from a dense adjacency <c>adj[dst, src] = 1</c> (row i lists
/// what node i aggregates). Class trees are sparse (a node receives from its parent and itself), so layers gather each
/// node's in-neighbours from a padded table <c>[N, K]</c> (K = largest in-degree) instead of multiplying N×N matrices;
/// when the graph is dense they fall back to the masked N×N form. Both compute the same function.
/// </summary>
public sealed class GraphNeighbours : IDisposable
{
    /// <summary>Auto picks the dense form when K · this > N (gathering K·N rows then costs about as much as N²).</summary>
    const int DenseWhenDegreeTimes = 4;

    /// <summary>Number of nodes.</summary>
    public int NodeCount { get; }

    /// <summary>Largest in-degree (K).</summary>
    public int MaxInDegree { get; }

    /// <summary>True when layers use the dense masked N×N form.</summary>
    public bool UseDense { get; }

    /// <summary>Dense edge mask [N, N], bool, <c>[dst, src]</c>.</summary>
    public Tensor EdgeMask { get; }

    /// <summary>In-neighbour table [N, K] (int64): source node ids per destination, padded with the node itself.</summary>
    public Tensor Sources { get; }

    /// <summary>[N, K] bool: which entries of <see cref="Sources"/> are real edges.</summary>
    public Tensor SourceMask { get; }

    /// <summary>Flattened <see cref="Sources"/> [N·K], ready for index_select.</summary>
    internal Tensor FlatSources { get; }

    /// <summary>
    /// log(multiplicity) of every edge when some edge is counted more than once (parallel edges), else null:
    /// <c>[N, N]</c> in the dense form, <c>[N, K]</c> aligned with <see cref="Sources"/> in the gather form. A softmax over
    /// m parallel copies of an edge equals one edge whose score is raised by log m, which is how layers apply it.
    /// </summary>
    public Tensor? LogMultiplicity { get; }

    // The tables on other devices than the one they were built on, made once on first use (see On).
    readonly Dictionary<string, GraphNeighbours> _onDevice = new();

    GraphNeighbours(GraphNeighbours source, Device device)
    {
        (NodeCount, MaxInDegree, UseDense) = (source.NodeCount, source.MaxInDegree, source.UseDense);
        EdgeMask = source.EdgeMask.to(device).DetachFromDisposeScope();
        Sources = source.Sources.to(device).DetachFromDisposeScope();
        SourceMask = source.SourceMask.to(device).DetachFromDisposeScope();
        FlatSources = source.FlatSources.to(device).DetachFromDisposeScope();
        LogMultiplicity = source.LogMultiplicity?.to(device).DetachFromDisposeScope();
    }

    /// <summary>
    /// The same graph with its tables on <paramref name="device"/> (the features' device): this object when they are
    /// already there, else a copy made once and owned (disposed) by this object.
    /// </summary>
    public GraphNeighbours On(Device device)
    {
        if (Training.ComputeDevice.Same(Sources.device, device)) return this;
        var key = device.ToString();
        lock (_onDevice)
        {
            if (!_onDevice.TryGetValue(key, out var copy)) _onDevice[key] = copy = new GraphNeighbours(this, device);
            return copy;
        }
    }

    /// <param name="adjacency">Float or bool [N, N] with <c>adj[dst, src] ≠ 0</c> for an edge src → dst; a value above 1
    /// counts that many parallel edges.</param>
    /// <param name="aggregation">Gather, dense, or chosen from the degree (default).</param>
    public GraphNeighbours(Tensor adjacency, GraphAggregation aggregation = GraphAggregation.Auto)
    {
        if (adjacency.dim() != 2 || adjacency.shape[0] != adjacency.shape[1])
            throw new ArgumentException($"adjacency must be square [N, N], got [{string.Join(", ", adjacency.shape)}]", nameof(adjacency));
        using var scope = torch.NewDisposeScope();
        NodeCount = (int)adjacency.shape[0];
        var values = adjacency.detach().to(torch.CPU).to(ScalarType.Float32);
        if (values.lt(0).any().item<bool>() || !values.isfinite().all().item<bool>())
            throw new ArgumentException("adjacency entries are edge counts: they must be finite and ≥ 0", nameof(adjacency));
        var mask = values.ne(0);
        var degree = mask.sum(1, type: ScalarType.Int64);
        var empty = degree.eq(0).nonzero().flatten();
        if (empty.numel() > 0)
            throw new ArgumentException($"node {empty[0].item<long>()} has no incoming edge (every node needs at least its self-loop)",
                nameof(adjacency));
        MaxInDegree = (int)degree.max().item<long>();
        UseDense = aggregation switch
        {
            GraphAggregation.Dense => true,
            GraphAggregation.Gather => false,
            _ => (long)MaxInDegree * DenseWhenDegreeTimes > NodeCount,
        };

        // Sort each row so real edges come first (stable: ascending source id); pad with the node's own id, masked out.
        // Keys are unique per row (edge flag first, then lower source id), so the order does not depend on sort stability.
        var sourceIds = torch.arange(NodeCount, dtype: ScalarType.Int64);
        var key = mask.to(ScalarType.Int64) * NodeCount + (NodeCount - 1 - sourceIds);
        var order = key.argsort(dim: 1, descending: true).narrow(1, 0, MaxInDegree);
        var present = mask.gather(1, order);
        var self = sourceIds.unsqueeze(1).expand(NodeCount, MaxInDegree);
        var sources = torch.where(present, order, self);

        // Detached from every dispose scope: the table lives as long as this object (a head built inside a caller's
        // scope must not lose it when that scope ends).
        EdgeMask = mask.to(adjacency.device).DetachFromDisposeScope();
        Sources = sources.contiguous().to(adjacency.device).DetachFromDisposeScope();
        SourceMask = present.contiguous().to(adjacency.device).DetachFromDisposeScope();
        FlatSources = Sources.flatten().DetachFromDisposeScope();
        if (values.masked_select(mask).ne(1).any().item<bool>())
        {
            var log = values.clamp_min(1e-30).log().masked_fill(mask.logical_not(), 0);
            LogMultiplicity = (UseDense ? log : log.gather(1, order).masked_fill(present.logical_not(), 0))
                .contiguous().to(adjacency.device).DetachFromDisposeScope();
        }
    }

    public void Dispose()
    {
        foreach (var copy in _onDevice.Values) copy.Dispose();
        EdgeMask.Dispose();
        Sources.Dispose();
        SourceMask.Dispose();
        FlatSources.Dispose();
        LogMultiplicity?.Dispose();
    }
}

/// <summary>How a graph layer sums over incoming edges; all give the same result.</summary>
public enum GraphAggregation
{
    /// <summary>Gather for sparse graphs (class trees), dense for dense ones.</summary>
    Auto,
    /// <summary>Gather each node's in-neighbours from a padded [N, K] table.</summary>
    Gather,
    /// <summary>Masked N×N attention matrix.</summary>
    Dense,
}
