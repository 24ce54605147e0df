using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Models.Encoders;
using Arbor.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>
/// The vision-language methods on registered towers instead of a CLIP folder: <c>--image-encoder NAME</c> (and
/// <c>--text-encoder NAME</c> for everything but the linear probe). hgclip (any <c>--parts</c> without visual-prompt),
/// coop, linear-probe, and nearest-text classification (<c>hgclip --parts none</c>: only the projections learn).
/// A frozen image tower's encodings are computed once per image and cached on disk, and training then runs on the cached
/// encodings (no augmentation: the tower would see each image anew); with <c>--finetune-image</c> the tower trains
/// end to end on augmented batches through the shared trainer.
/// </summary>
public static class DualEncoderMethods
{
    /// <summary>True when the config names an image tower (the dual-encoder form of a vision-language method).</summary>
    public static bool Applies(RunConfig config) => !string.IsNullOrWhiteSpace(config.ImageEncoder);

    /// <summary>Defaults of the dual-encoder form, before the method's: AdamW at 1e-3 for 30 epochs (fresh projections).</summary>
    public static RunConfig WithDefaults(RunConfig requested) => requested with
    {
        Optimizer = requested.Optimizer ?? "adamw",
        LearningRate = requested.LearningRate ?? 1e-3,
        Epochs = requested.Epochs ?? 30,
    };

    /// <summary>Checks the towers and options and writes the input geometry the image tower wants into the config.</summary>
    public static RunConfig ResolveInput(RunConfig config, DatasetSplits splits)
    {
        var method = config.Method;
        if (!string.IsNullOrWhiteSpace(config.ClipPath))
            throw new ArborException("--clip and --image-encoder both name the model: pass one of them");
        var image = EncoderRegistry.CanonicalImage(config.ImageEncoder!);
        string? text = string.IsNullOrWhiteSpace(config.TextEncoder) ? null : EncoderRegistry.CanonicalText(config.TextEncoder);
        if (method != "linear-probe" && text is null)
            throw new ArborException($"method '{method}' on --image-encoder needs a text tower too: pass --text-encoder ({string.Join(", ", EncoderRegistry.TextNames)})");
        if (Methods.Prompting.Baselines.PromptBaselineOptions.Parse(method) is not null)
            throw new ArborException($"method '{method}' prompts a CLIP's towers: pass --clip DIR instead of --image-encoder");
        if (method is "vpt" or "ivlp")
            throw new ArborException($"method '{method}' prompts a transformer image tower; '{image}' is a CNN (use hgclip, coop or linear-probe)");
        string? parts = null;
        if (method == "hgclip") parts = HgclipPartsParser.Format(HgclipPartsParser.Parse(config.Parts ?? "text-prompt,text-graph,visual-graph"));
        else if (config.Parts is not null)
            throw new ArborException($"--parts selects HGCLIP's parts and applies to --method hgclip only, not '{method}'");
        if (config.FineTuneImage == true && method == "linear-probe")
            throw new ArborException("--finetune-image does not apply to the linear probe (its tower is frozen by definition)");
        int size = config.ImageSize ?? 224;
        if (size < 64 || size > 224 || size % 32 != 0)
            throw new ArborException($"--image-size {size}: '{image}' takes 224 px (or a multiple of 32 from 64)");
        var resolved = config with
        {
            ImageEncoder = image,
            TextEncoder = text,
            Parts = parts,
            Backbone = text is null ? image : $"{image}+{text}",
            ImageSize = size,
            Channels = 3,
            Normalization = Normalization.None.Name,
        };
        if (method == "hgclip" && VisionLanguageMethods.ModelOptions(resolved).Parts.HasFlag(HgclipParts.VisualGraph))
            VisionLanguageMethods.CheckEveryClassHasImages(splits.Train);
        return resolved;
    }

    /// <summary>Builds the model: towers loaded from their packages, trainable parts freshly initialised.</summary>
    public static IHierarchicalModel Create(RunConfig config, ClassHierarchy hierarchy)
    {
        var image = EncoderRegistry.CreateImage(config.ImageEncoder!);
        var cache = new FrozenEncodingCache(FrozenEncodingCache.DefaultFolder, $"{image.Name}/{config.ImageSize}px");
        if (config.Method == "linear-probe")
        {
            var probe = new TowerLinearProbeModel(image, hierarchy);
            probe.UseCache(cache);
            return probe;
        }
        ITextEncoder? text = null;
        try
        {
            text = EncoderRegistry.CreateText(config.TextEncoder!);
            var model = new DualEncoderHgclipModel(image, text, hierarchy, VisionLanguageMethods.ModelOptions(config), config.FineTuneImage == true);
            model.UseCache(cache);
            return model;
        }
        catch
        {
            image.Dispose();
            text?.Dispose();
            throw;
        }
    }

    /// <summary>Trains the model; on return it holds the weights selected on validation.</summary>
    public static void Train(RunConfig config, IHierarchicalModel model, DatasetSplits splits, Trainer trainer,
        Trainer.CheckpointPlan plan, ProgressReporter progress)
    {
        var hierarchy = splits.Hierarchy;
        var evaluation = (ImageDataset d) => new BatchLoader(d, TrainRun.EvaluationLoaderOptions(config, 64));
        if (model is TowerLinearProbeModel probe)
        {
            progress.Line("linear probe: frozen image-tower features (computed once per image, then cached)");
            using var trainSet = FeatureSet.Extract(evaluation(splits.Train), probe.Features);
            using var valSet = FeatureSet.Extract(evaluation(splits.Validation), probe.Features);
            double best = LinearProbeTrainer.Fit(probe.Head, hierarchy, trainSet, valSet,
                new LinearProbeTrainer.Options(Epochs: config.ProbeEpochs ?? 40, Seed: config.Seed), progress);
            progress.Line($"linear probe: best validation mean top-1 {best:P2}");
            plan.Run.Log($"linear probe: best validation mean top-1 {best:F4}");
            return;
        }

        var dual = (DualEncoderHgclipModel)model;
        using var trainCodes = dual.FineTunesImageTower && !dual.NeedsPrototypes ? null : Encodings(dual, evaluation(splits.Train), progress, "training");
        if (dual.NeedsPrototypes)
        {
            using var features = trainCodes!.Features.dim() == 3 ? trainCodes.Features[.., 0] : trainCodes.Features.alias();
            using var prototypes = PrototypeBank.Compute(hierarchy, features, trainCodes.Leaves, source: splits.Train.Name);
            dual.SetPrototypes(prototypes);
        }
        if (dual.FineTunesImageTower)
        {
            var train = new BatchLoader(splits.Train, new BatchLoaderOptions
            {
                BatchSize = config.BatchSize!.Value, Seed = config.Seed, DropLast = true, Prefetch = 2,
                ImageSize = config.ImageSize, Channels = 3, Normalization = Normalization.None,
                Transform = new BatchAugmentation { FlipProbability = 0.5 },
            });
            var validation = evaluation(splits.Validation);
            trainer.Fit(new DualEncoderTask(dual), train, _ =>
            {
                var m = Evaluator.Evaluate(dual.LevelLogits, validation, hierarchy, Decoding.Independent);
                return new EpochValidation(m.Levels.Average(l => l.Top1), string.Join(" / ", m.Levels.Select(l => $"{l.Top1:P1}")));
            }, plan);
            Checkpoint.Load(plan.Run.BestCheckpointFile, model.Module, plan.Identity);
            return;
        }
        using var valCodes = Encodings(dual, evaluation(splits.Validation), progress, "validation");
        using var head = new EncodingHead(dual);
        // The same loss and schedule as the end-to-end path (HGCLIP's level-weighted cross-entropy; --schedule), only
        // the minibatches come from the cached encodings.
        var loss = new HgclipLoss(hierarchy);
        double score = LinearProbeTrainer.Fit(head, hierarchy, trainCodes!, valCodes,
            new LinearProbeTrainer.Options(Epochs: config.Epochs!.Value, BatchSize: config.BatchSize!.Value,
                LearningRate: config.LearningRate!.Value, WeightDecay: config.WeightDecay!.Value, Seed: config.Seed,
                Optimizer: config.Optimizer!)
            {
                Schedule = HgclipRecipe.ScheduleOf(config),
                Loss = loss.Compute,
                Phase = config.Method,
            }, progress);
        progress.Line($"{config.Method}: best validation mean top-1 {score:P2} (trained on cached tower encodings)");
        plan.Run.Log($"{config.Method}: best validation mean top-1 {score:F4} on cached frozen-tower encodings");
    }

    /// <summary>The frozen tower's encodings of a split: [M, W], or [M, 1 + T, W] (features, then tokens) when the head needs tokens.</summary>
    static FeatureSet Encodings(DualEncoderHgclipModel model, BatchLoader loader, ProgressReporter progress, string what)
    {
        progress.Line($"{model.ImageEncoder.Name}: encoding the {what} images (cached on disk for later runs)");
        return FeatureSet.Extract(loader, images =>
        {
            var e = model.Encode(images);
            using (e.Features)
            using (e.Tokens)
                return e.Tokens is null ? e.Features.alias() : cat([e.Features.unsqueeze(1), e.Tokens], 1);
        });
    }

    /// <summary>The dual model as a head over cached encodings (features, or features then tokens), for the feature trainer.</summary>
    sealed class EncodingHead : nn.Module<Tensor, Tensor[]>
    {
        readonly DualEncoderHgclipModel model;

        public EncodingHead(DualEncoderHgclipModel model) : base("encoding_head")
        {
            this.model = model;
            RegisterComponents();
        }

        public override Tensor[] forward(Tensor codes) =>
            codes.dim() == 2 ? model.LevelLogits(codes, null) : model.LevelLogits(codes[.., 0], codes[.., 1..]);

        // The wrapped model belongs to the caller.
        protected override void Dispose(bool disposing) { }
    }

    /// <summary>Fine-tuning the image tower with the rest: HGCLIP's loss on per-level logits of augmented batches.</summary>
    sealed class DualEncoderTask(DualEncoderHgclipModel model) : ITrainingTask
    {
        readonly HgclipLoss _loss = new(model.Hierarchy);
        public nn.Module Model => model;
        public IReadOnlyList<Parameter> TrainableParameters { get; } = model.TrainableParameters;
        public Tensor Loss(Batch batch) => _loss.Compute(model.LevelLogits(batch.Images), batch.Leaves);
    }
}
