using Arbor.Evaluation;
using Arbor.Hierarchy;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// A cheap per-epoch check of a representation without training anything: every node's mean L2-normalised feature over
/// a reference set, and each query classified at every level by cosine similarity to that level's node means. Used to
/// select the best pretraining epoch on validation data.
/// </summary>
public static class NearestClassMean
{
    /// <summary>Mean over levels of top-1 accuracy on <paramref name="query"/> with node means from <paramref name="reference"/>.</summary>
    public static double MeanTop1(ClassHierarchy hierarchy, FeatureSet reference, FeatureSet query) =>
        Levels(hierarchy, reference, query).Average(l => l.Top1);

    /// <summary>Per-level accuracy on <paramref name="query"/> with node means from <paramref name="reference"/>.</summary>
    public static IReadOnlyList<LevelMetrics> Levels(ClassHierarchy hierarchy, FeatureSet reference, FeatureSet query)
    {
        using var scope = NewDisposeScope();
        var refs = nn.functional.normalize(reference.Features, dim: 1);
        var q = nn.functional.normalize(query.Features, dim: 1);
        var metrics = new MetricsAccumulator(hierarchy, Decoding.Independent, confusion: false);
        var logits = new Tensor[hierarchy.Depth];
        for (int level = 1; level <= hierarchy.Depth; level++)
        {
            var map = tensor(hierarchy.LevelOfLeaf()[level - 1].Select(v => (long)v).ToArray(), device: refs.device);
            var classOf = map.index_select(0, reference.Leaves);                           // [M]
            var oneHot = nn.functional.one_hot(classOf, hierarchy.ClassesAt(level)).to(float32); // [M, K]
            var sums = oneHot.t().matmul(refs);                                             // [K, F]
            var means = nn.functional.normalize(sums, dim: 1);                              // classes with no images stay 0
            logits[level - 1] = q.matmul(means.t());
        }
        metrics.Add(logits, query.Leaves);
        return metrics.Compute().Levels;
    }
}
