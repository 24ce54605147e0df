using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Evaluation;

/// <summary>
/// Accumulates hierarchical metrics batch by batch: feed per-level logits and leaf targets with <see cref="Add"/>, then
/// <see cref="Compute"/>. Each batch is evaluated with a handful of tensor operations (no per-sample loop); only the
/// per-batch counts (and confusion counts) come back to CPU arrays. See docs/metrics.md for the definitions.
/// </summary>
public sealed class MetricsAccumulator
{
    /// <summary>Top-k reported as "top5": k = min(5, classes at the level), so a level with ≤ 5 classes scores 1.</summary>
    public const int TopK = 5;

    readonly ClassHierarchy _hierarchy;
    readonly ConsistentDecoder? _decoder;
    readonly long[][] _levelOfLeaf;     // [level-1][leaf] = local id at that level
    readonly long[][] _parentOf;        // [level-1][class] = local id of its parent at the level above (level ≥ 2)
    readonly long[] _top1, _top5;
    readonly long[][]? _confusion;      // [level-1][true * classes + predicted]
    long _samples, _fullPath, _consistent, _wrongLeaves, _severitySum;

    /// <param name="hierarchy">The class tree the logits follow.</param>
    /// <param name="decoding">Independent per-level argmax, or the best consistent path.</param>
    /// <param name="confusion">Whether to count per-level confusion matrices (classes² longs per level).</param>
    public MetricsAccumulator(ClassHierarchy hierarchy, Decoding decoding = Decoding.Independent, bool confusion = true)
    {
        _hierarchy = hierarchy;
        Decoding = decoding;
        _decoder = decoding == Decoding.Consistent ? new ConsistentDecoder(hierarchy) : null;
        _levelOfLeaf = hierarchy.LevelOfLeaf().Select(m => m.Select(i => (long)i).ToArray()).ToArray();
        _parentOf = hierarchy.ParentAtLevelAbove().Select(m => m.Select(i => (long)i).ToArray()).ToArray();
        _top1 = new long[hierarchy.Depth];
        _top5 = new long[hierarchy.Depth];
        if (confusion)
            _confusion = Enumerable.Range(1, hierarchy.Depth)
                .Select(l => new long[(long)hierarchy.ClassesAt(l) * hierarchy.ClassesAt(l)]).ToArray();
    }

    /// <summary>How predictions are decoded.</summary>
    public Decoding Decoding { get; }

    /// <summary>Samples added so far.</summary>
    public long Samples => _samples;

    /// <summary>
    /// Adds one batch: <paramref name="levelLogits"/> one <c>[B, classes_at_level]</c> tensor per level (coarse → fine),
    /// <paramref name="leaves"/> the <c>[B]</c> leaf ids. Wrong shapes or leaf ids out of range are an <see cref="ArborException"/>.
    /// </summary>
    public void Add(IReadOnlyList<Tensor> levelLogits, Tensor leaves)
    {
        CheckLogits(_hierarchy, levelLogits);
        long batch = levelLogits[0].shape[0];
        if (leaves.dim() != 1 || leaves.shape[0] != batch)
            throw new ArborException($"leaf targets have shape [{string.Join(", ", leaves.shape)}], expected [{batch}]");
        if (leaves.is_floating_point() || leaves.is_complex() || leaves.dtype == ScalarType.Bool)
            throw new ArborException($"leaf targets must be integer class ids, not {leaves.dtype}");
        if (batch == 0) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();         // evaluation: logits of a model in training mode must not grow its graph
        var device = levelLogits[0].device;
        var target = leaves.to(ScalarType.Int64).to(device);
        long min = target.min().item<long>(), max = target.max().item<long>();
        if (min < 0 || max >= _hierarchy.LeafCount)
            throw new ArborException($"leaf id {(min < 0 ? min : max)} out of range 0..{_hierarchy.LeafCount - 1}");

        int depth = _hierarchy.Depth;
        Tensor[] predicted, ranking;
        if (_decoder is null)
        {
            predicted = levelLogits.Select(t => t.argmax(1)).ToArray();
            ranking = levelLogits.ToArray();
        }
        else
        {
            var paths = _decoder.PathScores(levelLogits);
            predicted = _decoder.DecodePaths(paths);
            ranking = Enumerable.Range(1, depth).Select(level => _decoder.ClassScores(paths, level)).ToArray();
        }

        var counts = new List<Tensor>();
        var allRight = ones(batch, ScalarType.Bool, device);
        var validPath = ones(batch, ScalarType.Bool, device);
        var labels = new List<Tensor>();        // truth, predicted per level, for the confusion counts
        var predictedLeaf = predicted[depth - 1];
        var lcaHeight = zeros(batch, ScalarType.Int64, device);
        for (int l = 0; l < depth; l++)
        {
            int classes = _hierarchy.ClassesAt(l + 1);
            var levelOfLeaf = tensor(_levelOfLeaf[l], ScalarType.Int64, device);
            var truth = levelOfLeaf.index_select(0, target);
            var right = predicted[l].eq(truth);
            var topk = ranking[l].topk(Math.Min(TopK, classes), 1).indexes;
            counts.Add(right.sum());
            counts.Add(topk.eq(truth.unsqueeze(1)).any(1).sum());
            allRight = allRight.logical_and(right);
            if (l > 0)
            {
                var parent = tensor(_parentOf[l], ScalarType.Int64, device).index_select(0, predicted[l]);
                validPath = validPath.logical_and(parent.eq(predicted[l - 1]));
            }
            // Ancestors of two leaves differ from the first level where they part down to the leaves, so the number
            // of levels where they differ is the height of their lowest common ancestor.
            lcaHeight = lcaHeight + levelOfLeaf.index_select(0, predictedLeaf).ne(truth).to(ScalarType.Int64);
            if (_confusion is not null)
            {
                labels.Add(truth);
                labels.Add(predicted[l]);
            }
        }
        counts.Add(allRight.sum());
        counts.Add(validPath.sum());
        counts.Add(predictedLeaf.ne(target).sum());
        counts.Add(lcaHeight.sum());

        var values = stack(counts).cpu().data<long>().ToArray();
        for (int l = 0; l < depth; l++)
        {
            _top1[l] += values[2 * l];
            _top5[l] += values[2 * l + 1];
        }
        _fullPath += values[2 * depth];
        _consistent += values[2 * depth + 1];
        _wrongLeaves += values[2 * depth + 2];
        _severitySum += values[2 * depth + 3];
        _samples += batch;
        if (_confusion is not null)
        {
            // B increments per level on the CPU: far cheaper than a classes² bincount when a level has many classes.
            var pairs = stack(labels).cpu().data<long>().ToArray();
            for (int l = 0; l < depth; l++)
            {
                int classes = _hierarchy.ClassesAt(l + 1);
                long truthAt = 2 * l * batch, predictedAt = (2 * l + 1) * batch;
                var matrix = _confusion[l];
                for (long i = 0; i < batch; i++) matrix[pairs[truthAt + i] * classes + pairs[predictedAt + i]]++;
            }
        }
    }

    /// <summary>
    /// Replaces every count by its sum over the ranks of <paramref name="group"/> (one all-reduce of int64 counts), so
    /// ranks that each added a part of a split compute the metrics of the whole split — exactly, since every metric is a
    /// ratio of integer counts. Every rank must call it (with the same hierarchy and options).
    /// </summary>
    public void SumOverRanks(Distributed.IProcessGroup group)
    {
        if (group.Size == 1) return;
        var counts = new List<long>(_top1.Length * 2 + 6);
        counts.AddRange(_top1);
        counts.AddRange(_top5);
        counts.AddRange(new[] { _samples, _fullPath, _consistent, _wrongLeaves, _severitySum });
        if (_confusion is not null) foreach (var m in _confusion) counts.AddRange(m);
        using var all = tensor(counts.ToArray(), ScalarType.Int64);
        group.AllReduceSum(all);
        var summed = all.data<long>().ToArray();
        int at = 0;
        long Next() => summed[at++];
        for (int l = 0; l < _top1.Length; l++) _top1[l] = Next();
        for (int l = 0; l < _top5.Length; l++) _top5[l] = Next();
        (_samples, _fullPath, _consistent, _wrongLeaves, _severitySum) = (Next(), Next(), Next(), Next(), Next());
        if (_confusion is not null)
            foreach (var m in _confusion)
            {
                Array.Copy(summed, at, m, 0, m.Length);
                at += m.Length;
            }
    }

    /// <summary>The metrics over everything added; no samples is an <see cref="ArborException"/>.</summary>
    public HierarchicalMetrics Compute()
    {
        if (_samples == 0) throw new ArborException("no samples were evaluated");
        double n = _samples;
        var levels = Enumerable.Range(1, _hierarchy.Depth).Select(level => new LevelMetrics(
            level, _hierarchy.LevelNames[level - 1], _hierarchy.ClassesAt(level),
            _top1[level - 1] / n, _top5[level - 1] / n)).ToArray();
        var confusion = _confusion is null ? Array.Empty<ConfusionMatrix>()
            : Enumerable.Range(1, _hierarchy.Depth).Select(level => new ConfusionMatrix(level, _hierarchy.LevelNames[level - 1],
                _hierarchy.NodesAt(level).Select(node => node.Name).ToArray(), (long[])_confusion[level - 1].Clone())).ToArray();
        return new HierarchicalMetrics(_samples, levels, _fullPath / n, _consistent / n,
            _wrongLeaves == 0 ? 0 : (double)_severitySum / _wrongLeaves, _wrongLeaves, Decoding, confusion);
    }

    internal static void CheckLogits(ClassHierarchy hierarchy, IReadOnlyList<Tensor> levelLogits)
    {
        if (levelLogits.Count != hierarchy.Depth)
            throw new ArborException($"got logits for {levelLogits.Count} levels, the hierarchy '{hierarchy.Name}' has {hierarchy.Depth}");
        for (int l = 0; l < levelLogits.Count; l++)
        {
            var t = levelLogits[l];
            int classes = hierarchy.ClassesAt(l + 1);
            if (t.dim() != 2 || t.shape[1] != classes || t.shape[0] != levelLogits[0].shape[0])
                throw new ArborException($"logits of level {l + 1} ('{hierarchy.LevelNames[l]}') have shape " +
                    $"[{string.Join(", ", t.shape)}], expected [{levelLogits[0].shape[0]}, {classes}]");
        }
    }
}
