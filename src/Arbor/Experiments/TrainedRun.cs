using Arbor.Data;
using Arbor.Data.Points;
using Arbor.Evaluation;
using Arbor.Experiments.VisionLanguage;
using Arbor.Hierarchy;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>A finished run opened from its folder: its config, hierarchy and model with the trained weights.</summary>
public sealed class TrainedRun : IDisposable
{
    public RunConfig Config { get; }
    public ClassHierarchy Hierarchy { get; }
    public IHierarchicalModel Model { get; }
    public RunFolder Folder { get; }

    /// <summary>The config whose input geometry evaluation and prediction read images at: <see cref="Config"/> unless
    /// <see cref="UseInput"/> chose another side.</summary>
    RunConfig _input;

    TrainedRun(RunFolder folder, RunConfig config, ClassHierarchy hierarchy, IHierarchicalModel model)
    {
        (Folder, Config, Hierarchy, Model) = (folder, config, hierarchy, model);
        _input = config;
    }

    /// <summary>The image side evaluation and prediction use (the run's unless <see cref="UseInput"/> changed it).</summary>
    public int? ImageSize => _input.ImageSize;

    /// <summary>
    /// Checks an explicit --image-size / --channels against the run. Null or the run's own value changes nothing. Another
    /// channel count is refused (the model's first layer was trained on the run's). Another side is refused for CLIP
    /// methods and pretrained towers (their input size is fixed) and accepted for the own convolutional backbones, whose
    /// global pooling takes any size; the returned note says so (null when nothing changed).
    /// </summary>
    public string? UseInput(int? imageSize, int? channels)
    {
        RunValidation.CheckGeometry(imageSize, channels);
        if (TakesPointClouds && (imageSize is not null || channels is not null))
            throw new ArborException($"--image-size and --channels apply to images; this run's model ({Config.Backbone}) takes point " +
                                     $"clouds of {PointsPerCloud} points. Leave them out", Folder.ConfigFile);
        int runChannels = Config.Channels ?? 3;
        if (channels is int c && c != runChannels)
            throw new ArborException($"--channels {c}: this run's model takes {runChannels}-channel images (config.json channels " +
                                     $"{runChannels}); its first layer was trained on them. Leave --channels out", Folder.ConfigFile);
        if (imageSize is not int size || size == Config.ImageSize) { _input = Config; return null; }
        string trained = Config.ImageSize is int s ? $"{s}×{s} px" : "the dataset's own size";
        if (MethodCatalog.Get(Config.Method).Family == MethodFamily.VisionLanguage || Models.Vision.Backbones.IsTower(Config.Backbone))
            throw new ArborException($"--image-size {size}: this run's image tower ({Config.Backbone}) takes {trained} only " +
                                     "(config.json image_size). Leave --image-size out", Folder.ConfigFile);
        _input = Config with { ImageSize = size };
        return $"note: images are read at {size}×{size} px; the model was trained at {trained} (its convolutions and global " +
               "pooling accept any size, but accuracy is usually best at the training size)";
    }

    /// <summary>
    /// Opens a run folder with its model on <paramref name="device"/> (default: the CPU); refuses one whose model file is
    /// missing, corrupt or from another model. Everything comes from the folder (config.json, hierarchy.json,
    /// model.safetensors): the training data is never opened. <paramref name="clip"/> gives a CLIP method's CLIP folder a
    /// new place (its content must hash to the run's <c>clip_hash</c>).
    /// </summary>
    public static TrainedRun Open(string runDir, string? clip = null, Device? device = null) => Open(runDir, clip, device, null);

    /// <summary>
    /// As <see cref="Open(string, string?, Device?)"/>, computing in <paramref name="precision"/> (fp32 | bf16 | auto; null =
    /// the precision the run trained in). The checkpoint holds only fp32 trainable parts, so any precision opens any run.
    /// </summary>
    public static TrainedRun Open(string runDir, string? clip, Device? device, string? precision)
    {
        NativeMemoryTuning.Apply();
        var folder = RunFolder.OpenExisting(runDir);
        NativeLogging.SilenceNnpack();
        var config = RunConfig.Read(folder.ConfigFile);
        var modelFile = folder.ModelFile;
        if (!File.Exists(modelFile))
            throw new ArborException($"the run has no trained model ({TrainRun.ModelFileName}); it did not finish — continue it with `arbor train --resume --out {runDir}`", folder.Path);
        if (clip is not null)
        {
            if (config.ClipPath is null) throw new ArborException($"--clip applies to CLIP methods; this run is '{config.Method}'");
            var clipDir = Path.GetFullPath(clip);
            if (!Directory.Exists(clipDir)) throw new ArborException("CLIP folder not found", clipDir);
            ClipFolderHash.Check(clipDir, config.ClipHash);
            config = config with { ClipPath = clipDir };
        }
        else if (config.ClipPath is not null && !Directory.Exists(config.ClipPath))
            throw new ArborException($"the run's CLIP folder is gone (moved or deleted); give its new place with --clip DIR", config.ClipPath);
        // Runs written before hierarchy.json existed rebuild the hierarchy from their data.
        var hierarchy = File.Exists(folder.HierarchyFile) ? StoredHierarchy.Read(folder.HierarchyFile)
            : config.Hierarchy is not null ? HierarchyLoader.Load(config.Hierarchy)
            : TrainRun.OpenData(config, allowStandIn: true).Hierarchy;   // only the hierarchy, the same either way
        var chosen = RunPrecision.Resolve(precision is null ? config : config with { Precision = precision }, device);
        config = config with { Precision = chosen.Name };
        var model = TrainRun.CreateModel(config, hierarchy);
        try
        {
            Checkpoint.Load(modelFile, model.Module, TrainRun.IdentityOf(config, hierarchy));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        if (device is not null) model.MoveTo(device);
        model.Module.eval();
        return new TrainedRun(folder, config, hierarchy, model) { Precision = chosen };
    }

    /// <summary>What the frozen towers compute in for this opening, and why (from <c>--precision</c> or the run's config).</summary>
    public PrecisionChoice Precision { get; private init; } = PrecisionChoice.Fp32;

    /// <summary>
    /// Metrics of the model on a split of its dataset, or of any other dataset whose classes are the run's (a folder tree
    /// or manifest is read against the run's stored hierarchy). Bad image files stop it, or with
    /// <paramref name="skipBadImages"/> are left out.
    /// </summary>
    public MetricsReport Evaluate(string? dataset, string split, Decoding decoding, ProgressReporter progress, bool skipBadImages = false) =>
        EvaluateOn(dataset is null ? Config : Config with { Dataset = dataset, DataRoot = null, Hierarchy = null, TrainLimit = null },
            split, decoding, progress, skipBadImages, allowStandIn: dataset is not null);

    /// <summary>
    /// Metrics on a split of the data <paramref name="config"/> names (dataset, data root, validation carve), read against
    /// the run's stored hierarchy.
    /// </summary>
    /// <remarks>
    /// <paramref name="allowStandIn"/>: whether "fashion-mnist" may be read from the embedded subset when the full set is
    /// absent; true when a user names the dataset, false for the run's own config, whose "fashion-mnist" is the full set the
    /// run was tested on.
    /// </remarks>
    public MetricsReport EvaluateOn(RunConfig config, string split, Decoding decoding, ProgressReporter progress, bool skipBadImages = false,
        bool allowStandIn = false)
    {
        // By name first (before the data is read against the run's hierarchy, which would fail less clearly), then by content.
        void CheckKind(bool clouds)
        {
            if (clouds != TakesPointClouds)
                throw new ArborException(clouds
                    ? $"dataset '{config.Dataset}' holds point clouds, but this run's model ({Config.Backbone}) takes images"
                    : $"dataset '{config.Dataset}' holds images, but this run's model ({Config.Backbone}) takes point clouds");
        }
        if (!PointClouds.IsPointDataset(config.Dataset) && DatasetCatalog.Names.Contains(config.Dataset.Trim().ToLowerInvariant()))
            CheckKind(false);
        else if (PointClouds.IsPointDataset(config.Dataset)) CheckKind(true);
        var check = TrainRun.OpenCheckedData(config with { SkipBadImages = skipBadImages || Config.SkipBadImages }, progress, Hierarchy, allowStandIn);
        var splits = check.Splits;
        CheckKind(splits.Test.Count > 0 && splits.Test.Resolve(0).Source is PointCloudDataset
                  || splits.Train.Count > 0 && splits.Train.Resolve(0).Source is PointCloudDataset);
        if (HierarchySignature.Of(splits.Hierarchy) != HierarchySignature.Of(Hierarchy))
            throw new ArborException($"dataset '{config.Dataset}' has hierarchy {HierarchySignature.Of(splits.Hierarchy)}, " +
                                     $"but the run was trained on {HierarchySignature.Of(Hierarchy)}");
        var data = splits.Get(split);
        if (data.Count == 0) throw new ArborException($"{data.Name}: the {split} split is empty");
        var loader = new BatchLoader(data, LoaderOptions(batchSize: 512));
        var metrics = Evaluator.Evaluate(Model.LevelLogits, loader, Hierarchy, decoding, progress, device: Model.Device);
        return metrics.ToReport(Config.Method, splits.OpenedAs ?? config.Dataset, split);
    }

    /// <summary>True when the run's model takes point clouds (a point backbone: pointnet, dgcnn) rather than images.</summary>
    public bool TakesPointClouds => Models.Vision.Backbones.IsPointBackbone(Config.Backbone);

    /// <summary>
    /// Per-level probabilities for image files — or, for a point-cloud run, point-cloud files (<see cref="PointCloudFile"/>:
    /// .off, .txt, .xyz, read at the run's points per cloud): [file][level] → (class name, probability) of the top class.
    /// </summary>
    /// <remarks>
    /// A file that does not decode, or is of the other kind than the run takes (a cloud for an image run, an image for a
    /// cloud run), stops the call with its name; when <paramref name="skipped"/> is given, such files are added to it
    /// instead and left out of the result.
    /// </remarks>
    public IReadOnlyList<ImagePrediction> Predict(IReadOnlyList<string> imagePaths, Decoding decoding, ICollection<BadImage>? skipped = null)
    {
        foreach (var p in imagePaths)
            if (!File.Exists(p)) throw new ArborException(TakesPointClouds ? "point-cloud file not found" : "image not found", p);
        var clouds = new List<float[]>();
        var good = new List<string>();
        foreach (var p in imagePaths)
        {
            try
            {
                CheckInputKind(p);
                if (TakesPointClouds) clouds.Add(PointCloudFile.Read(p, PointsPerCloud));
                else if (skipped is not null) ImageDecoder.Decode(p);
                good.Add(p);
            }
            catch (ArborException e) when (skipped is not null) { skipped.Add(new BadImage(p, e.Message)); }
        }
        imagePaths = good;
        if (good.Count == 0) return Array.Empty<ImagePrediction>();
        ImageDataset dataset = TakesPointClouds
            ? new PointCloudDataset("predict", Hierarchy, clouds.SelectMany(c => c).ToArray(), PointsPerCloud, new int[good.Count],
                good.Select(Path.GetFullPath).ToArray())
            : new FileImageDataset("predict", Hierarchy, good.Select(p => new ImageEntry(Path.GetFullPath(p), 0)).ToArray());
        var loader = new BatchLoader(dataset, LoaderOptions(batchSize: 64));
        var results = new List<ImagePrediction>();
        var decoder = new ConsistentDecoder(Hierarchy);
        using (no_grad())
            foreach (var batch in loader.GetBatches(0))
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var logits = Model.LevelLogits(batch.Images.to(Model.Device));
                    // Read back on the host once per batch, not element by element from the device.
                    var probs = logits.Select(l => nn.functional.softmax(l, 1).cpu()).ToArray();
                    var chosen = (decoding == Decoding.Consistent ? decoder.Decode(logits) : logits.Select(l => l.argmax(1)).ToArray())
                        .Select(t => t.cpu()).ToArray();
                    for (int i = 0; i < batch.Count; i++)
                    {
                        var levels = new List<LevelPrediction>();
                        for (int l = 0; l < Hierarchy.Depth; l++)
                        {
                            int id = (int)chosen[l][i].item<long>();
                            levels.Add(new LevelPrediction(l + 1, Hierarchy.LevelNames[l], Hierarchy.Node(l + 1, id).Name,
                                probs[l][i, id].item<float>()));
                        }
                        results.Add(new ImagePrediction(imagePaths[batch.Indices[i]], levels));
                    }
                }
        return results;
    }

    /// <summary>Points per cloud the run trained at (config.json points; 1,024 by default).</summary>
    int PointsPerCloud => Config.Points ?? DatasetOptions.DefaultPoints;

    /// <summary>Refuses a point-cloud file given to an image run and an image given to a point-cloud run, by extension.</summary>
    void CheckInputKind(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (TakesPointClouds && ImageDecoder.Extensions.Contains(extension))
            throw new DatasetException($"an image, but this run's model ({Config.Backbone}) takes point clouds: " +
                                       $"{string.Join(", ", PointCloudFile.Extensions)} files", path);
        if (!TakesPointClouds && PointCloudFile.HasCloudExtension(path))
            throw new DatasetException($"a point-cloud file, but this run's model ({Config.Backbone}) takes images: " +
                                       $"{string.Join(", ", ImageDecoder.Extensions)} files", path);
    }

    BatchLoaderOptions LoaderOptions(int batchSize) => TrainRun.EvaluationLoaderOptions(_input, batchSize);

    public void Dispose() => Model.Dispose();
}

public sealed record LevelPrediction(int Level, string LevelName, string Label, double Probability);

public sealed record ImagePrediction(string Image, IReadOnlyList<LevelPrediction> Levels);
