using Arbor.Data;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Models.Clip;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>
/// HGCLIP's image prototypes for a run: frozen, un-prompted CLIP image features of the training split averaged per node
/// (<see cref="PrototypeBank"/>), kept in a <see cref="PrototypeCache"/> under a key of the CLIP checkpoint, the training
/// split and the hierarchy, so they are computed once and recomputed when any of the three changes.
/// </summary>
public static class ClipPrototypes
{
    /// <summary>Where prototype files live: <c>$ARBOR_DATA/hgclip-prototypes</c> (default ~/.cache/arbor/hgclip-prototypes).</summary>
    public static string DefaultCacheFolder => Path.Combine(DatasetOptions.DataHome, "hgclip-prototypes");

    /// <summary>
    /// The checkpoint's identity: the full path, size and modification time of its weight file(s) and config.json,
    /// so replacing or editing the checkpoint changes it.
    /// </summary>
    public static string CheckpointIdentity(string clipDir)
    {
        var full = Path.GetFullPath(clipDir);
        var files = ClipModel.WeightFileNames.Append("config.json").Select(n => Path.Combine(full, n)).Where(File.Exists);
        return string.Join("\n", files.Select(f =>
        {
            var info = new FileInfo(f);
            return $"{info.FullName}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}";
        }));
    }

    /// <summary>
    /// The training split's identity: the run's dataset options (name, root, validation fraction, seed, limit), the split's
    /// name and size, and a hash of its leaf ids in order; plus the input geometry, which changes the features.
    /// </summary>
    public static string DatasetIdentity(RunConfig config, ImageDataset train)
    {
        ulong hash = 14695981039346656037UL;           // FNV-1a over the leaf ids
        foreach (var leaf in train.Leaves) hash = (hash ^ (uint)leaf) * 1099511628211UL;
        static string Place(string? nameOrPath) => nameOrPath is null ? "(default)"
            : File.Exists(nameOrPath) || Directory.Exists(nameOrPath) ? Path.GetFullPath(nameOrPath) : nameOrPath;
        return string.Join("\n", Place(config.Dataset), Place(config.DataRoot), config.ValidationFraction, config.Seed,
            config.TrainLimit?.ToString() ?? "all", train.Name, train.Count, hash.ToString("x16"),
            $"{config.ImageSize}px/{config.Channels}ch/{config.Normalization}/{config.ClipPreprocessing ?? "hf"}"
            // bf16 towers give slightly different features; fp32 keeps the key it always had.
            + (config.Precision == "bf16" ? "/bf16" : ""));
    }

    /// <summary>The cache key of a run's prototypes.</summary>
    public static string Key(RunConfig config, ImageDataset train, ClassHierarchy hierarchy) =>
        PrototypeCache.Key(CheckpointIdentity(config.ClipPath!), DatasetIdentity(config, train), PrototypeCache.HierarchyIdentity(hierarchy));

    /// <summary>
    /// The prototypes [N, P] of the run: from the cache when valid, else computed from the frozen CLIP over the training
    /// split (no augmentation) and stored. A class without training images is an <see cref="ArborException"/> naming it.
    /// </summary>
    public static Tensor Get(RunConfig config, ClipModel clip, ImageDataset train, ClassHierarchy hierarchy, ProgressReporter progress,
        string? cacheFolder = null)
    {
        var cache = new PrototypeCache(cacheFolder ?? DefaultCacheFolder);
        var key = Key(config, train, hierarchy);
        var prototypes = cache.GetOrCompute(key, () =>
        {
            progress.Line($"prototypes: frozen CLIP features of {train.Count} training images");
            var loader = new BatchLoader(train, TrainRun.EvaluationLoaderOptions(config, 256));
            using var set = FeatureSet.Extract(loader, x => clip.EncodeImage(x), progress, "prototypes", ComputeDevice.Of(clip));
            return PrototypeBank.Compute(hierarchy, set.Features, set.Leaves, source: train.Name);
        }, out bool hit, [hierarchy.Nodes.Count, clip.Config.ProjectionDim]);
        if (hit) progress.Line($"prototypes: loaded from the cache ({cache.PathFor(key)})");
        return prototypes;
    }
}
