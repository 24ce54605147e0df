using System.Text.Json.Serialization;

namespace Arbor.Evaluation;

/// <summary>Accuracy at one level. Fractions in [0, 1].</summary>
/// <param name="Level">1-based level (1 is the coarsest).</param>
/// <param name="Name">Level name.</param>
/// <param name="Classes">Number of classes at the level.</param>
/// <param name="Top1">Fraction of samples whose predicted label at this level is right.</param>
/// <param name="Top5">Fraction whose right label is among the top min(5, classes) ranked labels.</param>
public sealed record LevelMetrics(
    [property: JsonPropertyName("level")] int Level,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("classes")] int Classes,
    [property: JsonPropertyName("top1")] double Top1,
    [property: JsonPropertyName("top5")] double Top5);

/// <summary>Everything <see cref="MetricsAccumulator.Compute"/> measures.</summary>
/// <param name="Samples">Samples evaluated.</param>
/// <param name="Levels">Per-level accuracies, coarse → fine.</param>
/// <param name="FullPath">Fraction of samples right at every level.</param>
/// <param name="Consistency">Fraction whose predicted labels form a valid root-to-leaf path.</param>
/// <param name="MistakeSeverity">Mean LCA height between predicted and true leaf over wrong leaf predictions (0 when none is wrong).</param>
/// <param name="WrongLeaves">Number of samples whose predicted leaf is wrong.</param>
/// <param name="Decoding">How the labels were decoded.</param>
/// <param name="Confusion">Per-level confusion matrices (empty when not tracked).</param>
public sealed record HierarchicalMetrics(long Samples, IReadOnlyList<LevelMetrics> Levels, double FullPath, double Consistency,
    double MistakeSeverity, long WrongLeaves, Decoding Decoding, IReadOnlyList<ConfusionMatrix> Confusion)
{
    /// <summary>The metrics.json record for a method, dataset and split.</summary>
    public MetricsReport ToReport(string method, string dataset, string split) => new()
    {
        Method = method,
        Dataset = dataset,
        Split = split,
        Samples = Samples,
        Levels = Levels,
        FullPath = FullPath,
        Consistency = Consistency,
        MistakeSeverity = MistakeSeverity,
        Decoding = Decoding.ToName(),
    };
}
