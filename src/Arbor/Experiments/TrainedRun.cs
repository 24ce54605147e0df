using Arbor.Data;
using Arbor.Evaluation;
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

    TrainedRun(RunFolder folder, RunConfig config, ClassHierarchy hierarchy, IHierarchicalModel model)
    {
        (Folder, Config, Hierarchy, Model) = (folder, config, hierarchy, model);
    }

    /// <summary>
    /// Opens a run folder with its model on <paramref name="device"/> (default: the CPU); refuses one whose model file is
    /// missing, corrupt or from another model.
    /// </summary>
    public static TrainedRun Open(string runDir, Device? device = null)
    {
        NativeMemoryTuning.Apply();
        var folder = RunFolder.OpenExisting(runDir);
        var config = RunConfig.Read(folder.ConfigFile);
        var modelFile = folder.File(TrainRun.ModelFileName);
        if (!File.Exists(modelFile))
            throw new ArborException($"the run has no trained model ({TrainRun.ModelFileName}); it did not finish — continue it with `arbor train --resume --out {runDir}`", folder.Path);
        var hierarchy = config.Hierarchy is not null ? HierarchyLoader.Load(config.Hierarchy)
            : TrainRun.OpenData(config).Hierarchy;
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
        return new TrainedRun(folder, config, hierarchy, model);
    }

    /// <summary>Metrics of the model on a split of its dataset (or of another dataset with the same hierarchy).</summary>
    public MetricsReport Evaluate(string? dataset, string split, Decoding decoding, ProgressReporter progress) =>
        EvaluateOn(dataset is null ? Config : Config with { Dataset = dataset, TrainLimit = null }, split, decoding, progress);

    /// <summary>Metrics on a split of the data <paramref name="config"/> names (dataset, data root, hierarchy, validation carve).</summary>
    public MetricsReport EvaluateOn(RunConfig config, string split, Decoding decoding, ProgressReporter progress)
    {
        var splits = TrainRun.OpenData(config);
        if (HierarchySignature.Of(splits.Hierarchy) != HierarchySignature.Of(Hierarchy))
            throw new ArborException($"dataset '{config.Dataset}' has hierarchy {HierarchySignature.Of(splits.Hierarchy)}, " +
                                     $"but the run was trained on {HierarchySignature.Of(Hierarchy)}");
        var loader = new BatchLoader(splits.Get(split), LoaderOptions(batchSize: 512));
        var metrics = Evaluator.Evaluate(Model.LevelLogits, loader, Hierarchy, decoding, progress, device: Model.Device);
        return metrics.ToReport(Config.Method, config.Dataset, split);
    }

    /// <summary>Per-level probabilities for image files: [image][level] → (class name, probability) of the top class.</summary>
    public IReadOnlyList<ImagePrediction> Predict(IReadOnlyList<string> imagePaths, Decoding decoding)
    {
        foreach (var p in imagePaths)
            if (!File.Exists(p)) throw new ArborException("image not found", p);
        var entries = imagePaths.Select(p => new ImageEntry(Path.GetFullPath(p), 0)).ToArray();
        var dataset = new FileImageDataset("predict", Hierarchy, entries);
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

    BatchLoaderOptions LoaderOptions(int batchSize) => TrainRun.EvaluationLoaderOptions(Config, batchSize);

    public void Dispose() => Model.Dispose();
}

public sealed record LevelPrediction(int Level, string LevelName, string Label, double Probability);

public sealed record ImagePrediction(string Image, IReadOnlyList<LevelPrediction> Levels);
