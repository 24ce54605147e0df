using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Experiments.VisionLanguage;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Methods.Prompting;
using Arbor.Methods.Prompting.Baselines;
using Arbor.Models.Clip;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// The CLIP-based methods: <c>hgclip</c> (the parts of <c>--parts</c>, all by default), <c>coop</c> (shallow text
/// context), <c>vpt</c> (deep visual prompts), <c>ivlp</c> (deep prompts in both towers = HGCLIP without graphs) and
/// <c>linear-probe</c> (a linear head per level on frozen image features), and the prompt baselines <c>kgcoop</c>,
/// <c>cocoop</c>, <c>maple</c>, <c>promptsrc</c> (<see cref="PromptBaselineModel"/>). They share the input geometry CLIP wants,
/// a frozen CLIP reloaded from <c>--clip</c> (config.json records its path and the parts), and checkpoints holding only
/// what trains (prompts, graph encoders, prototypes, probe heads).
/// </summary>
public static class VisionLanguageMethods
{
    /// <summary>
    /// Checks the CLIP folder and the options, and writes the input geometry CLIP wants into the config: image size from
    /// the vision config, 3 channels, CLIP normalisation, backbone <c>clip:&lt;folder name&gt;</c>, the full CLIP path and
    /// (for hgclip) the canonical parts. A class without training images is an error when prototypes are needed.
    /// </summary>
    /// <param name="config">The run config, method and CLIP folder set.</param>
    /// <param name="splits">The data (its training split feeds the prototypes check).</param>
    /// <param name="checkImages">False for a plan that reports empty classes itself instead of failing on them.</param>
    public static RunConfig ResolveInput(RunConfig config, DatasetSplits splits, bool checkImages = true)
    {
        if (DualEncoderMethods.Applies(config)) return DualEncoderMethods.ResolveInput(config, splits);
        var method = config.Method;
        if (string.IsNullOrWhiteSpace(config.ClipPath))
            throw new ArborException($"method '{method}' needs a CLIP checkpoint: pass --clip DIR (a Hugging Face CLIP folder with " +
                                     "config.json, model.safetensors, vocab.json, merges.txt)");
        var clipDir = Path.GetFullPath(config.ClipPath);
        if (!Directory.Exists(clipDir)) throw new ArborException("CLIP folder not found", clipDir);
        var configPath = Path.Combine(clipDir, "config.json");
        if (!File.Exists(configPath)) throw new ArborException("not a Hugging Face CLIP folder: missing config.json", clipDir);
        var clipConfig = ClipConfig.Load(configPath);

        string? parts = null;
        if (method == "hgclip") parts = HgclipPartsParser.Format(HgclipPartsParser.Parse(config.Parts ?? "all"));
        else if (config.Parts is not null)
            throw new ArborException($"--parts selects HGCLIP's parts and applies to --method hgclip only, not '{method}'");

        if (config.ImageSize is int size && size != clipConfig.Vision.ImageSize)
            throw new ArborException($"--image-size {size}: this CLIP model's vision tower takes {clipConfig.Vision.ImageSize}×{clipConfig.Vision.ImageSize} images", configPath);
        if (config.Channels is int channels && channels != 3)
            throw new ArborException($"--channels {channels}: CLIP takes 3-channel (RGB) images");
        if (config.Normalization is { } n && n != Normalization.Clip.Name)
            throw new ArborException($"--normalization {n}: CLIP's towers were trained on CLIP-normalised images (clip)");
        var resolved = config with
        {
            ClipPath = clipDir,
            ClipHash = ClipFolderHash.Of(clipDir),
            Parts = parts,
            Backbone = $"clip:{Path.GetFileName(clipDir.TrimEnd(Path.DirectorySeparatorChar))}",
            ImageSize = clipConfig.Vision.ImageSize,
            Channels = 3,
            Normalization = Normalization.Clip.Name,
            Mean = Normalization.Clip.Mean,
            Std = Normalization.Clip.Std,
            Resize = "shorter-side-center-crop",
            ClipPreprocessing = ClipImageProcessor.NameOf(ClipImageProcessor.ParseConvention(config.ClipPreprocessing ?? "hf")),
        };
        if (checkImages && NeedsImagesOfEveryClass(resolved))
            CheckEveryClassHasImages(splits.Train);
        return resolved;
    }

    /// <summary>Builds the model (CLIP loaded from config.ClipPath, frozen; trainable parts freshly initialised).</summary>
    public static IHierarchicalModel Create(RunConfig config, ClassHierarchy hierarchy)
    {
        if (DualEncoderMethods.Applies(config)) return DualEncoderMethods.Create(config, hierarchy);
        if (string.IsNullOrWhiteSpace(config.ClipPath))
            throw new ArborException($"the run config of method '{config.Method}' has no clip_path");
        var clip = ClipModel.Load(config.ClipPath);
        try
        {
            clip.CastFrozen(ComputePrecision.Resolve(config.Precision).FrozenType);
            if (config.Method == "linear-probe") return new ClipLinearProbeModel(clip, hierarchy);
            var tokenizer = ClipTokenizer.Load(config.ClipPath);
            if (config.Method == "zeroshot") return new ZeroShotModel(clip, tokenizer, hierarchy, ZeroShotModel.OptionsOf(config));
            if (BaselineOptions(config) is { } baseline) return new PromptBaselineModel(clip, tokenizer, hierarchy, baseline);
            return new HgclipModel(clip, tokenizer, hierarchy, ModelOptions(config));
        }
        catch
        {
            clip.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The one image preprocessing of a CLIP run: the CLIP folder's <c>preprocessor_config.json</c> (or its image size) in
    /// the run's convention (hf unless the config says openai).
    /// </summary>
    public static ClipImageProcessor Preprocessor(RunConfig config) =>
        ClipImageProcessor.Load(config.ClipPath ?? throw new ArborException($"the run config of method '{config.Method}' has no clip_path"),
            ClipImageProcessor.ParseConvention(config.ClipPreprocessing ?? "hf"));

    /// <summary>The options of a prompt baseline (kgcoop, cocoop, maple, promptsrc), or null for any other method.</summary>
    public static PromptBaselineOptions? BaselineOptions(RunConfig config) =>
        PromptBaselineOptions.Parse(config.Method) is { } method
            ? PromptBaselineOptions.For(method, config.TextInit ?? "a photo of a", config.Epochs ?? 20)
            : null;

    /// <summary>The model a vision-language method stands for.</summary>
    public static HgclipModelOptions ModelOptions(RunConfig config)
    {
        var options = config.Method switch
        {
            "hgclip" => new HgclipModelOptions { Parts = HgclipPartsParser.Parse(config.Parts ?? "all") },
            "coop" => new HgclipModelOptions { Parts = HgclipParts.TextPrompt, TextPrompt = PromptOptions.Shallow },
            "vpt" => new HgclipModelOptions { Parts = HgclipParts.VisualPrompt },
            "ivlp" => new HgclipModelOptions { Parts = HgclipParts.TextPrompt | HgclipParts.VisualPrompt },
            _ => throw new ArborException($"method '{config.Method}' is not a prompt or HGCLIP method"),
        };
        // Older run configs lack these fields; their gaps are the values those runs used.
        return options with
        {
            TextPrompt = options.TextPrompt with { TextInit = config.TextInit ?? options.TextPrompt.TextInit },
            Head = options.Head with { Normalization = HgclipRecipe.NormalizationOf(config) },
            EdgeMultiplicity = HgclipRecipe.EdgeMultiplicityOf(config),
        };
    }

    /// <summary>Trains the model with the shared trainer; on return the model holds the weights selected on validation.</summary>
    public static void Train(RunConfig config, IHierarchicalModel model, DatasetSplits splits, Trainer trainer,
        Trainer.CheckpointPlan plan, ProgressReporter progress)
    {
        if (DualEncoderMethods.Applies(config))
        {
            DualEncoderMethods.Train(config, model, splits, trainer, plan, progress);
            return;
        }
        var hierarchy = splits.Hierarchy;
        var validation = new BatchLoader(splits.Validation, TrainRun.EvaluationLoaderOptions(config, 256));
        if (model is ClipLinearProbeModel probe)
        {
            progress.Line("linear probe: extracting frozen CLIP image features (no augmentation)");
            var device = ((IHierarchicalModel)probe).Device;
            using var trainSet = FeatureSet.Extract(new BatchLoader(splits.Train, TrainRun.EvaluationLoaderOptions(config, 256)), probe.Features,
                progress, "linear probe: training features", device, trainer.Group);
            using var valSet = FeatureSet.Extract(validation, probe.Features, progress, "linear probe: validation features", device, trainer.Group);
            double best = LinearProbeTrainer.Fit(probe.Head, hierarchy, trainSet, valSet,
                new LinearProbeTrainer.Options(Epochs: config.ProbeEpochs ?? 40, Seed: config.Seed), progress);
            progress.Line($"linear probe: best validation mean top-1 {best:P2}");
            if (trainer.Group.Rank == 0) plan.Run.Log($"linear probe: best validation mean top-1 {best:F4}");
            return;
        }

        if (model is ZeroShotModel)
        {
            progress.Line("zero-shot: nothing to train; CLIP is evaluated with the class prompts");
            if (trainer.Group.Rank == 0) plan.Run.Log("no trainable parts: zero-shot");
            return;
        }

        if (model is PromptBaselineModel baseline)
        {
            var task = new PromptBaselineTask(baseline);
            trainer.Fit(task, TrainingLoader(config, splits.Train), epoch =>
            {
                task.EpochFinished(epoch);
                var m = Evaluator.Evaluate(baseline.LevelLogits, validation, hierarchy, Decoding.Independent, progress, "validate", baseline.Device, trainer.Group);
                return EpochValidation.FromLevels(m.Levels);
            }, plan);
            DistributedRun.LoadBest(plan.Run.BestCheckpointFile, model.Module, plan.Identity, trainer.Group);
            return;
        }

        var hg = (HgclipModel)model;
        if (hg.NeedsPrototypes)
        {
            using var prototypes = ClipPrototypes.Get(config, hg.Clip, splits.Train, hierarchy, progress);
            hg.SetPrototypes(prototypes);
        }
        if (hg.TrainableParameters.Count == 0)
        {
            progress.Line("no trainable parts: CLIP is evaluated as it is (zero-shot, \"a photo of a {name}.\")");
            if (trainer.Group.Rank == 0) plan.Run.Log("no trainable parts: zero-shot");
            return;
        }

        trainer.Fit(new HgclipTask(hg), TrainingLoader(config, splits.Train), _ =>
        {
            var m = Evaluator.Evaluate(hg.LevelLogits, validation, hierarchy, Decoding.Independent, progress, "validate", hg.Device, trainer.Group);
            return EpochValidation.FromLevels(m.Levels);
        }, plan);
        DistributedRun.LoadBest(plan.Run.BestCheckpointFile, model.Module, plan.Identity, trainer.Group);
    }

    /// <summary>Shuffled training batches in CLIP's preprocessing with horizontal flips (every prompt method).</summary>
    static BatchLoader TrainingLoader(RunConfig config, ImageDataset train) => new(train, new BatchLoaderOptions
    {
        BatchSize = config.BatchSize!.Value, Seed = config.Seed, DropLast = true, Prefetch = 2,
        Preprocessor = Preprocessor(config),
        Transform = new BatchAugmentation { FlipProbability = 0.5 },
    });

    /// <summary>True when the method builds image prototypes, which need a training image of every class.</summary>
    public static bool NeedsImagesOfEveryClass(RunConfig config) =>
        config.Method == "hgclip" && ModelOptions(config).Parts.HasFlag(HgclipParts.VisualGraph);

    /// <summary>Fails, naming them, when classes of the training split have no image (HGCLIP's prototypes need one each).</summary>
    internal static void CheckEveryClassHasImages(ImageDataset train)
    {
        var hierarchy = train.Hierarchy;
        var counts = train.CountPerLeaf();
        var empty = Enumerable.Range(0, counts.Length).Where(l => counts[l] == 0).Select(l => hierarchy.Node(hierarchy.Depth, l).Name).ToArray();
        if (empty.Length > 0)
            throw new ArborException($"{empty.Length} class(es) have no training images: {string.Join(", ", empty.Take(10).Select(n => $"'{n}'"))}" +
                                     (empty.Length > 10 ? ", …" : "") + "; HGCLIP's image prototypes need at least one training image per class",
                                     train.Name);
    }
}
