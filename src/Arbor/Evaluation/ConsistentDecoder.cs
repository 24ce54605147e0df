using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Evaluation;

/// <summary>
/// Decodes the best valid root-to-leaf path from per-level logits: each level's logits become log-probabilities
/// (log_softmax), every leaf's path scores Σ_l log p_l(ancestor of the leaf at level l), and the leaf with the best score
/// gives the label at every level. Vectorised over the batch and over all leaves: the [levels][leaves] ancestor map is
/// built once, each call gathers with index_select. The predictions never contradict the tree.
/// </summary>
public sealed class ConsistentDecoder
{
    readonly ClassHierarchy _hierarchy;
    readonly long[][] _ancestors;       // [level-1][leaf] = local id of the leaf's ancestor at that level
    readonly long[][] _leavesUnder;     // [level-1] = [classes × widest] descendant leaves of each class, padded with LeafCount
    readonly int[] _widest;             // [level-1] = most leaves under one class of that level

    public ConsistentDecoder(ClassHierarchy hierarchy)
    {
        _hierarchy = hierarchy;
        int depth = hierarchy.Depth, leaves = hierarchy.LeafCount;
        _ancestors = hierarchy.LevelOfLeaf().Select(map => map.Select(i => (long)i).ToArray()).ToArray();
        _leavesUnder = new long[depth][];
        _widest = new int[depth];
        for (int l = 0; l < depth; l++)
        {
            var nodes = hierarchy.NodesAt(l + 1);
            var under = nodes.Select(n => hierarchy.DescendantLeaves(n.Index)).ToArray();
            int widest = under.Max(u => u.Count);
            var padded = new long[nodes.Count * widest];
            Array.Fill(padded, leaves);
            for (int c = 0; c < nodes.Count; c++)
                for (int j = 0; j < under[c].Count; j++) padded[c * widest + j] = under[c][j];
            _leavesUnder[l] = padded;
            _widest[l] = widest;
        }
    }

    /// <summary>
    /// Score of every root-to-leaf path, <c>[B, leaves]</c>: the sum over levels of the log-probability of the leaf's
    /// ancestor at that level.
    /// </summary>
    public Tensor PathScores(IReadOnlyList<Tensor> levelLogits)
    {
        MetricsAccumulator.CheckLogits(_hierarchy, levelLogits);
        using var scope = NewDisposeScope();
        Tensor? scores = null;
        for (int l = 0; l < _hierarchy.Depth; l++)
        {
            var logits = levelLogits[l];
            var logp = nn.functional.log_softmax(logits.dtype is ScalarType.Float64 ? logits : logits.to(ScalarType.Float32), 1);
            // At the deepest level a leaf is its own ancestor: the log-probabilities are already per leaf.
            var atLevel = l == _hierarchy.Depth - 1 ? logp
                : logp.index_select(1, tensor(_ancestors[l], ScalarType.Int64, logits.device));
            scores = scores is null ? atLevel : scores + atLevel;
        }
        return scores!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Score of every class at a 1-based level from path scores, <c>[B, classes]</c>: the best path through that class
    /// (max over its descendant leaves). The consistent prediction at the level is the argmax of these scores.
    /// </summary>
    public Tensor ClassScores(Tensor pathScores, int level)
    {
        using var scope = NewDisposeScope();
        int l = level - 1, classes = _hierarchy.ClassesAt(level);
        if (level == _hierarchy.Depth) return pathScores.alias().MoveToOuterDisposeScope();
        long batch = pathScores.shape[0];
        var floor = full(batch, 1, double.NegativeInfinity, pathScores.dtype, pathScores.device);
        var padded = cat(new[] { pathScores, floor }, 1);      // column LeafCount is the padding: -inf
        var index = tensor(_leavesUnder[l], ScalarType.Int64, pathScores.device);
        var grouped = padded.index_select(1, index).view(batch, classes, _widest[l]);
        return grouped.amax(new long[] { 2 }).MoveToOuterDisposeScope();
    }

    /// <summary>Predicted local ids at every level, coarse → fine, each <c>[B]</c> int64, forming the best valid path.</summary>
    public Tensor[] Decode(IReadOnlyList<Tensor> levelLogits)
    {
        using var scope = NewDisposeScope();
        var scores = PathScores(levelLogits);
        return DecodePaths(scores).Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Per-level ids of the best path for given path scores <c>[B, leaves]</c>.</summary>
    public Tensor[] DecodePaths(Tensor pathScores)
    {
        using var scope = NewDisposeScope();
        var leaf = pathScores.argmax(1);
        var result = new Tensor[_hierarchy.Depth];
        for (int l = 0; l < _hierarchy.Depth; l++)
            result[l] = tensor(_ancestors[l], ScalarType.Int64, pathScores.device).index_select(0, leaf);
        return result.Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }
}
