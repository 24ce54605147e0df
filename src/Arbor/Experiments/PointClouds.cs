using Arbor.Data;
using Arbor.Data.Points;
using Arbor.Models.Vision;
using Arbor.Training;

namespace Arbor.Experiments;

/// <summary>How a run tells point clouds from images, and that the backbone fits the data.</summary>
public static class PointClouds
{
    /// <summary>True for a point-cloud dataset name or a folder in one of the ModelNet layouts.</summary>
    public static bool IsPointDataset(string nameOrPath) => PointDatasets.Recognises(nameOrPath);

    /// <summary>
    /// On point clouds (a point backbone, or a point dataset without a backbone) the optimiser defaults to AdamW at 10⁻³
    /// (PointNet's Adam recipe) instead of the image methods' SGD at 0.1, which made PointNet's loss climb to ~18 in its
    /// first epoch on the shape set before recovering (docs/points.md). Options the user gave are kept.
    /// </summary>
    /// <remarks>
    /// DGCNN's batch defaults to 32 (its own recipe) instead of the methods' 128 / 256: its EdgeConv activations make a
    /// step at 1,024 points × 32 peak at 7.2 GB (14 GB estimated for two contrastive views), so 256 would need on the order
    /// of 110 GB (docs/points.md, "Memory and throughput").
    /// </remarks>
    public static RunConfig ApplyTrainingDefaults(RunConfig c)
    {
        bool clouds = c.Backbone is null ? IsPointDataset(c.Dataset) : Backbones.IsPointBackbone(c.Backbone);
        if (!clouds || MethodCatalog.Get(c.Method).Family == MethodFamily.VisionLanguage) return c;
        if (c.BatchSize is null && c.Backbone?.Trim().ToLowerInvariant() == "dgcnn") c = c with { BatchSize = DgcnnBatch };
        return c.Optimizer is null && c.LearningRate is null ? c with { Optimizer = "adamw", LearningRate = 1e-3 } : c;
    }

    /// <summary>DGCNN's default batch (its classification recipe; bounded by memory, see ApplyTrainingDefaults).</summary>
    public const int DgcnnBatch = 32;

    /// <summary>
    /// True when the run's data are point clouds. A point backbone (pointnet, dgcnn) on images, or an image backbone on
    /// point clouds, is an <see cref="ArborException"/> saying which backbones fit.
    /// </summary>
    public static bool CheckBackbone(RunConfig config, DatasetSplits splits)
    {
        bool clouds = splits.Train.Count > 0 && splits.Train.Resolve(0).Source is PointCloudDataset;
        bool pointBackbone = Backbones.IsPointBackbone(config.Backbone);
        if (MethodCatalog.Get(config.Method).Family == MethodFamily.VisionLanguage)
        {
            if (clouds) throw new ArborException($"{config.Method} is a vision-language method and takes images; {config.Dataset} holds point clouds " +
                                                 $"(use ce, ce-levels, supcon, hmlc, hicone, himulcone, g-hmlc or a-hmlc)");
            return false;
        }
        if (clouds && !pointBackbone)
            throw new ArborException($"{config.Dataset} holds point clouds; --backbone {config.Backbone} takes images " +
                                     $"(point-cloud backbones: {string.Join(", ", Backbones.PointNames)})");
        if (!clouds && pointBackbone)
            throw new ArborException($"--backbone {config.Backbone} takes point clouds; {config.Dataset} holds images");
        return clouds;
    }
}
