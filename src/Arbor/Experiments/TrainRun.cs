using Arbor.Data;
using Arbor.Experiments.VisionLanguage;
using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.IO;
using Arbor.Reporting;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// `arbor train` as a library call: opens the data, builds the method's model, trains it with the shared trainer
/// (checkpoint each epoch, best epoch on validation), runs the linear probe for contrastive methods, evaluates on the test
/// split and writes metrics.json, config.json, model.safetensors and train.log into the run folder (and masks.json for
/// the methods with level masks, G-HMLC and A-HMLC).
/// Everything that can be wrong with the input (data, hierarchy, options) is checked before the run folder is created.
/// </summary>
public sealed class TrainRun
{
    public sealed record Options
    {
        public bool Force { get; init; }
        public bool Resume { get; init; }
        public Decoding Decoding { get; init; } = Decoding.Independent;
        public ProgressReporter Progress { get; init; } = ProgressReporter.Silent;
        public CancellationToken Cancellation { get; init; }
        /// <summary>Where the model computes (<see cref="ComputeDevice.Parse"/>); data is moved there batch by batch.</summary>
        public Device? Device { get; init; }
        /// <summary>Called after every training epoch (1-based epoch number); tests use it to interrupt a run.</summary>
        internal Action<int>? AfterEpoch { get; init; }
        /// <summary>
        /// The config.json names of the options the user gave (the CLI passes them), so --resume can tell a changed option
        /// from a default; null compares every option whose value is not a fresh <see cref="RunConfig"/>'s default.
        /// </summary>
        public IReadOnlyCollection<string>? GivenOptions { get; init; }
        /// <summary>Also write TensorBoard event files into the run's tensorboard/ folder.</summary>
        public bool TensorBoard { get; init; }
        /// <summary>Also log every training step's loss in train.log (<see cref="TrainerOptions.LogSteps"/>).</summary>
        public bool LogSteps { get; init; }
        /// <summary>The command that started the run: recorded in train.log (for the report) and in the model card.</summary>
        public string? CommandLine { get; init; }
        /// <summary>
        /// Data-parallel training over these ranks (<see cref="Distributed.MpiProcessGroup.Join"/> under mpirun; see
        /// docs/distributed.md). Every rank calls <see cref="Run"/> with the same arguments; rank 0 writes the run folder and
        /// reports progress, all ranks return the same metrics. Null: one process.
        /// </summary>
        public Distributed.IProcessGroup? Group { get; init; }
    }

    /// <summary>The file a finished run's model is in (used by eval and predict).</summary>
    public const string ModelFileName = "model.safetensors";

    public static MetricsReport Run(RunConfig requested, string runDir, Options options)
    {
        NativeMemoryTuning.Apply();
        var group = options.Group ?? Distributed.SingleProcessGroup.Instance;
        bool root = group.Rank == 0;   // rank 0 alone writes the run folder and prints progress
        var progress = root ? options.Progress : ProgressReporter.Silent;
        NativeLogging.SilenceNnpack();
        // recorded: the config is the run folder's (a resume), not a new request.
        var (config, fromCheckpoint, recorded) = options.Resume ? ResumeConfig(requested, runDir, options, progress)
            : (Resolve(VisionLanguage.DualEncoderMethods.Applies(requested) ? VisionLanguage.DualEncoderMethods.WithDefaults(requested) : requested), false, false);
        config = DistributedRun.Configure(config, group, options.Group, fromCheckpoint, runDir);
        RunValidation.CheckOptions(config);
        var precision = RunPrecision.Resolve(config, options.Device);
        config = config with { Precision = precision.Name };   // config.json records what ran, never "auto"
        progress.Line(precision.ToString());
        progress.Line(NativeAllocator.Describe());
        var defaults = MethodCatalog.Get(config.Method);
        if (config.Threads > 0) set_num_threads(config.Threads);

        var check = OpenCheckedData(config, progress, allowStandIn: !recorded);
        var splits = check.Splits;
        // A run that fell back to the embedded Fashion-MNIST subset names it in config.json, so that evaluating or resuming
        // the run reads the images it was trained on, and never the full set that may be there by then (or the reverse).
        if (splits.OpenedAs is { } openedAs) config = config with { Dataset = openedAs };
        CheckTrainLimit(config, splits);
        var hierarchy = splits.Hierarchy;
        bool clouds = PointClouds.CheckBackbone(config, splits);
        if (clouds)
            config = config with { Points = ((Data.Points.PointCloudDataset)splits.Train.Resolve(0).Source).PointsPerCloud, Channels = 3 };
        else if (config.ImageSize is null || config.Mean is null)
            config = defaults.Family == MethodFamily.VisionLanguage
                ? VisionLanguageMethods.ResolveInput(config, splits)
                : Models.Vision.Backbones.IsTower(config.Backbone)
                ? config with { Channels = 3, ImageSize = config.ImageSize ?? 224, Normalization = Normalization.None.Name }
                : RunValidation.ResolveInput(config, splits, check, progress);
        RunValidation.CheckData(config, splits);
        manual_seed(config.Seed);
        using var model = CreateModel(config, hierarchy);
        if (options.Device is { } device) model.MoveTo(device);
        var identity = IdentityOf(config, hierarchy);

        using var run = root ? RunFolder.OpenForTraining(runDir, fresh: !fromCheckpoint, force: options.Force) : RunFolder.Observe(runDir);
        if (root)
        {
            RunFolder.WriteGuard(run.ConfigFile, () => AtomicFile.WriteAllText(run.ConfigFile, config.ToJson()));
            StoredHierarchy.Write(run.HierarchyFile, hierarchy);
            if (check.BadImages.Count > 0)
                RunFolder.WriteGuard(run.SkippedImagesFile, () => AtomicFile.WriteAllText(run.SkippedImagesFile,
                    string.Concat(check.BadImages.Select(b => b.Problem + "\n"))));
            run.Log($"{(fromCheckpoint ? "resume" : "start")}: {config.Method} on {splits.Description}" +
                    (group.Size > 1 ? $" ({group.Size} data-parallel ranks)" : ""));
            if (options.CommandLine is not null) run.Log($"command: {options.CommandLine}");
        }
        var recorder = root ? new RunRecorder(run, hierarchy, options.TensorBoard) : null;
        progress.Line($"{config.Method}: {defaults.Description}; backbone {config.Backbone} " +
                      $"({model.Module.parameters().Sum(p => p.numel()) / 1e6:F2} M parameters in the checkpoint), " +
                      $"{splits.Train.Count} train / {splits.Validation.Count} validation / {splits.Test.Count} test {(clouds ? "clouds" : "images")}");

        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = config.Epochs!.Value,
            Optimizer = config.Optimizer!,
            LearningRate = config.LearningRate!.Value,
            WeightDecay = config.WeightDecay!.Value,
            WarmupEpochs = config.WarmupEpochs!.Value,
            Schedule = HgclipRecipe.ScheduleOf(config),
            Seed = config.Seed,
            Group = group,
            LogSteps = options.LogSteps,
        }, progress, options.Cancellation);
        if (recorder is not null) trainer.EpochFinished += recorder.OnEpoch;
        if (options.AfterEpoch is not null) trainer.EpochFinished += r => options.AfterEpoch(r.Epoch);
        var plan = new Trainer.CheckpointPlan(run, identity, config.ToJson(), fromCheckpoint);

        var evalLoader = (ImageDataset d) => new BatchLoader(d, EvaluationLoaderOptions(config, 512));
        if (defaults.Family == MethodFamily.VisionLanguage)
        {
            DistributedRun.RequireTrainerOnly(config, group);
            VisionLanguageMethods.Train(config, model, splits, trainer, plan, progress);
        }
        else if (defaults.Family == MethodFamily.Supervised)
        {
            var train = new BatchLoader(splits.Train, TrainingLoaderOptions(config) with
            {
                Transform = clouds ? Data.Points.PointAugmentation.Supervised()
                    : config.ImageSize <= 64 ? BatchAugmentation.PadCropFlip()
                    // Larger images (the user's own photos): random resized crop + flip, as torchvision's ImageNet recipe.
                    : new BatchAugmentation { Crop = CropKind.ResizedCrop, ScaleMin = 0.25 },
                Sampler = ContrastiveRecipe.SamplerOf(config),
            });
            var imageModel = (ImageMethodModel)model;
            var task = new SupervisedTask(imageModel);
            var validation = evalLoader(splits.Validation);
            trainer.Fit(task, train, _ =>
            {
                var m = Evaluator.Evaluate(imageModel.LevelLogits, validation, hierarchy, Decoding.Independent, progress, "validate", model.Device, group);
                return EpochValidation.FromLevels(m.Levels);
            }, plan);
            DistributedRun.LoadBest(run.BestCheckpointFile, model.Module, identity, group);
        }
        else
        {
            PretrainAndProbe(config, (ImageMethodModel)model, splits, trainer, plan, evalLoader, progress);
        }

        if (root) Checkpoint.Save(run.ModelFile, model.Module, identity, configJson: config.ToJson());
        model.Module.eval();
        progress.RunStatus = null;
        var metrics = Evaluator.Evaluate(model.LevelLogits, evalLoader(splits.Test), hierarchy, options.Decoding, progress, "test", model.Device, group);
        var report = metrics.ToReport(config.Method, config.Dataset, "test");
        if (!root) return report;
        RunFolder.WriteGuard(run.MetricsFile, () => report.Write(run.MetricsFile));
        run.Log($"test: {report.ToJson().ReplaceLineEndings(" ")}");
        ModelCard.Write(run, config, splits, check, report, options.CommandLine);
        recorder!.Finish(metrics, report, model.LevelLogits, splits.Test, EvaluationLoaderOptions(config, 256), config.Seed, progress);
        return report;
    }

    /// <summary>
    /// The config a resume continues with: the stored one, with a raised --epochs; any other changed option is refused with
    /// the list of differences. A folder without a checkpoint (killed before the first epoch ended) starts over.
    /// </summary>
    static (RunConfig Config, bool FromCheckpoint, bool Recorded) ResumeConfig(RunConfig requested, string runDir, Options options, ProgressReporter progress)
    {
        var state = RunFolder.Inspect(runDir);
        if (state is RunFolder.State.Absent or RunFolder.State.Empty)
        {
            progress.Line("nothing to resume in the run folder (no config.json): starting the run from the beginning");
            return (Resolve(requested), false, false);
        }
        if (state == RunFolder.State.Foreign)
            throw new ArborException("cannot resume: the folder holds no run (config.json is missing)", Path.GetFullPath(runDir));
        var folder = RunFolder.OpenExisting(runDir);
        var stored = RunConfig.Read(folder.ConfigFile);
        MethodCatalog.Get(requested.Method);   // an unknown name lists the valid ones
        var asked = requested with { Method = MethodCatalog.Canonical(requested.Method) };
        // A run asked for "fashion-mnist" that fell back to the embedded subset recorded that; asking again is no difference.
        if (DatasetCatalog.StandsIn(stored.Dataset, asked.Dataset)) asked = asked with { Dataset = stored.Dataset };
        // Threads and precision are how the run computes, not what it is: a resume may change them.
        var differences = stored.Differences(asked, options.GivenOptions, "epochs", "threads", "precision");
        if (differences.Count > 0)
            throw new ArborException("--resume continues a run with its own options; these differ from the run's config.json: " +
                                     string.Join("; ", differences) + ". Start a new run (another --out, or --force) to change them",
                                     folder.ConfigFile);
        var config = stored with { Threads = requested.Threads, Precision = requested.Precision ?? stored.Precision };
        bool epochsGiven = options.GivenOptions?.Contains("epochs") ?? requested.Epochs is not null;
        if (epochsGiven && requested.Epochs is int epochs && epochs != stored.Epochs)
        {
            if (epochs < stored.Epochs)
                throw new ArborException($"--resume can raise --epochs but not lower it (the run is set to {stored.Epochs} epochs)", folder.ConfigFile);
            progress.Line($"extending the run from {stored.Epochs} to {epochs} epochs: the warm-up + cosine learning-rate schedule is " +
                          $"recomputed over {epochs} epochs, so the remaining epochs follow the longer schedule's curve (the rate " +
                          "rises again from where the shorter schedule had decayed it); the result differs from a run started with " +
                          $"--epochs {epochs}");
            config = config with { Epochs = epochs };
        }
        if (state == RunFolder.State.Unstarted)
        {
            progress.Line("the run stopped before its first checkpoint: starting it over");
            return (config, false, true);
        }
        return (config, true, true);
    }

    /// <summary>
    /// A <c>--train-limit</c> above the training images there are is refused, not quietly lowered: a run asked for 20,000
    /// images that trained on 7,200 (the embedded Fashion-MNIST subset, when the full set is not installed) would be a
    /// different experiment under the same name. The limit is counted after the validation carve, as it is applied.
    /// </summary>
    static void CheckTrainLimit(RunConfig config, DatasetSplits splits)
    {
        // splits.Train is already cut to the limit when the limit was smaller; a larger limit left it whole.
        if (config.TrainLimit is int limit && limit > splits.Train.Count)
            throw new ArborException($"--train-limit {limit:N0} asks for more training images than '{config.Dataset}' has: " +
                                     $"{splits.Train.Count:N0} after the validation carve ({splits.Description}); lower the limit, " +
                                     "or give the full dataset");
    }

    /// <summary>The run's data with every image file decoded once (bad files stop the run, or are left out).</summary>
    public static ImageCheck OpenCheckedData(RunConfig config, ProgressReporter progress, ClassHierarchy? hierarchy = null,
        bool allowStandIn = false)
    {
        var splits = OpenData(config, hierarchy, allowStandIn);
        progress.Line(splits.Description);
        bool measure = config.Mean is null && (config.Normalization is null or "data");
        var check = ImageFileCheck.Run(splits, config.SkipBadImages, measure,
            (done, total) => { if (done == total || done % 4096 == 0) progress.Line($"checking image files: {done:N0}/{total:N0}"); });
        if (check.FilesChecked > 0) progress.Line(check.Summary);
        return check;
    }

    static void PretrainAndProbe(RunConfig config, ImageMethodModel model, DatasetSplits splits, Trainer trainer,
        Trainer.CheckpointPlan plan, Func<ImageDataset, BatchLoader> evalLoader, ProgressReporter progress)
    {
        var hierarchy = splits.Hierarchy;
        var device = ((IHierarchicalModel)model).Device;
        var train = new BatchLoader(splits.Train, TrainingLoaderOptions(config) with
        {
            Views = 2, Transform = ContrastiveRecipe.ViewAugmentation(config), Sampler = ContrastiveRecipe.SamplerOf(config),
        });
        // A fixed reference sample of training images for per-epoch validation (nearest class mean) and G-HMLC refits.
        var referenceIndices = Enumerable.Range(0, splits.Train.Count)
            .OrderBy(i => (i * 2654435761u) ^ (uint)config.Seed).Take(Math.Min(2000, splits.Train.Count)).ToArray();
        var reference = evalLoader(splits.Train.Subset(referenceIndices, "reference"));
        var validation = evalLoader(splits.Validation);
        Func<(Tensor, Tensor)> refitSample = () =>
        {
            using var set = FeatureSet.Extract(reference, x => model.Projection!.forward(model.Backbone.forward(x)), device: device);
            var labels = stack(hierarchy.LevelOfLeaf().Select(map => tensor(map.Select(v => (long)v).ToArray(), device: device).index_select(0, set.Leaves)).ToArray(), 1);
            return (set.Features.clone(), labels);
        };
        var task = new ContrastiveTask(model, refitSample);
        trainer.Fit(task, train, _ =>
        {
            using var refSet = FeatureSet.Extract(reference, model.Backbone.forward, progress, "validate: reference features", device, trainer.Group);
            using var valSet = FeatureSet.Extract(validation, model.Backbone.forward, progress, "validate: validation features", device, trainer.Group);
            return EpochValidation.FromLevels(NearestClassMean.Levels(hierarchy, refSet, valSet), "nearest-class-mean");
        }, plan);
        var group = trainer.Group;
        DistributedRun.LoadBest(plan.Run.BestCheckpointFile, model, plan.Identity, group);

        model.eval();
        progress.Line("linear probe: extracting frozen features (no augmentation)");
        using var trainSet = FeatureSet.Extract(evalLoader(splits.Train), model.Backbone.forward, progress, "linear probe: training features", device, group);
        using var valSet = FeatureSet.Extract(validation, model.Backbone.forward, progress, "linear probe: validation features", device, group);
        double best = LinearProbeTrainer.Fit(model.Head, hierarchy, trainSet, valSet,
            ContrastiveRecipe.ProbeOptions(config), progress);
        progress.Line($"linear probe: best validation mean top-1 {best:P2}");
        if (group.Rank == 0) plan.Run.Log($"linear probe: best validation mean top-1 {best:F4}");
        // G-HMLC / A-HMLC: what the level masks look like (A-HMLC's averaged over the validation features just extracted).
        if (group.Rank == 0 && RunLevelMasks.Of(model.Objective, hierarchy, valSet.Features, "validation images") is { } masks)
        {
            var file = plan.Run.File(LevelMaskSummary.FileName);
            RunFolder.WriteGuard(file, () => masks.Write(file));
            progress.Line($"level masks: {masks.DimensionsLine()}" + (masks.Levels > 1 ? $"; overlap {masks.OverlapLine()}" : ""));
        }
    }

    /// <summary>The method's default learning rate is multiplied by this when the backbone is pretrained.</summary>
    public const double PretrainedRateFactor = 0.1;

    /// <summary>Fills every unset option from the method's defaults, so config.json records exactly what ran.</summary>
    public static RunConfig Resolve(RunConfig c)
    {
        var d = MethodCatalog.Get(c.Method);
        c = RunRecipes.ApplyTrainingDefaults(c with { Method = MethodCatalog.Canonical(c.Method) });
        c = PointClouds.ApplyTrainingDefaults(c);
        var backbone = (c.Backbone ?? (PointClouds.IsPointDataset(c.Dataset) ? "pointnet" : d.Backbone)).ToLowerInvariant();
        // A pretrained backbone is fine-tuned, not trained: the from-scratch rate (0.1 for ce) wrecks its features in the
        // first epoch; a tenth of it kept them (Fashion-MNIST, 2 epochs: 16.8 % → 77.1 % at level 3; docs/pretrained.md).
        double rateFactor = Models.Vision.Backbones.IsPretrained(backbone) ? PretrainedRateFactor : 1.0;
        c = c with
        {
            Method = MethodCatalog.Canonical(c.Method),
            Backbone = backbone,
            Epochs = c.Epochs ?? d.Epochs,
            BatchSize = c.BatchSize ?? d.BatchSize,
            Optimizer = (c.Optimizer ?? d.Optimizer).ToLowerInvariant(),
            LearningRate = c.LearningRate ?? d.LearningRate * rateFactor,
            WeightDecay = c.WeightDecay ?? d.WeightDecay,
            WarmupEpochs = c.WarmupEpochs ?? d.WarmupEpochs,
            Temperature = c.Temperature ?? d.Temperature,
            ProbeEpochs = c.ProbeEpochs ?? d.ProbeEpochs,
        };
        return RunRecipes.Resolve(c);
    }

    /// <summary>
    /// Opens the run's dataset with its hierarchy (or <paramref name="hierarchy"/>, a trained run's own), validation carve
    /// and optional training-image limit.
    /// </summary>
    /// <remarks>
    /// <paramref name="allowStandIn"/>: whether "fashion-mnist" may fall back to the embedded subset when the full set is
    /// absent (see <see cref="DatasetSplits.OpenedAs"/>); true for a new request, false for a run's recorded config, whose
    /// "fashion-mnist" means the full set (a run that fell back records "fashion-mnist-embedded").
    /// </remarks>
    public static DatasetSplits OpenData(RunConfig config, ClassHierarchy? hierarchy = null, bool allowStandIn = false)
    {
        hierarchy ??= config.Hierarchy is null ? null : HierarchyLoader.Load(config.Hierarchy);
        var splits = DatasetCatalog.Open(config.Dataset, new DatasetOptions
        {
            Root = config.DataRoot, Hierarchy = hierarchy, ValidationFraction = config.ValidationFraction, Seed = config.Seed,
            Points = config.Points,
            AllowPathsOutsideManifest = config.AllowPathsOutsideManifest,
            AllowEmbedded = allowStandIn,
        });
        if (config.TrainLimit is int limit && limit < splits.Train.Count)
            splits = splits with
            {
                Train = splits.Train.Subset(Enumerable.Range(0, limit).ToArray(), splits.Train.Name + $" (first {limit})"),
            };
        return splits;
    }

    /// <summary>The model a config describes, freshly initialised (seed the generator first for reproducibility).</summary>
    public static IHierarchicalModel CreateModel(RunConfig config, ClassHierarchy hierarchy) =>
        MethodCatalog.Get(config.Method).Family == MethodFamily.VisionLanguage
            ? VisionLanguageMethods.Create(config, hierarchy)
            : new ImageMethodModel(config.Method, hierarchy, config.Backbone!, config.Channels ?? 3, ContrastiveRecipe.ObjectiveOptions(config));

    /// <summary>Loader options for evaluation and feature extraction: no augmentation, no shuffling, the run's geometry.</summary>
    /// <remarks>CLIP methods read images through the CLIP folder's own preprocessing (<see cref="VisionLanguageMethods.Preprocessor"/>).</remarks>
    public static BatchLoaderOptions EvaluationLoaderOptions(RunConfig config, int batchSize) =>
        MethodCatalog.Get(config.Method).Family == MethodFamily.VisionLanguage && !VisionLanguage.DualEncoderMethods.Applies(config)
            ? new() { BatchSize = batchSize, Shuffle = false, Prefetch = 1, Preprocessor = VisionLanguageMethods.Preprocessor(config) }
            : new()
            {
                BatchSize = batchSize, Shuffle = false, Prefetch = 1, ImageSize = config.ImageSize, Channels = config.Channels,
                Normalization = config.InputNormalization(), Resize = config.ResizeRule(),
            };

    /// <summary>Loader options for training: shuffled, whole batches, the run's geometry and normalisation; no augmentation yet.</summary>
    public static BatchLoaderOptions TrainingLoaderOptions(RunConfig config) => new()
    {
        BatchSize = config.BatchSize!.Value, Seed = config.Seed, DropLast = true, Prefetch = 2, ImageSize = config.ImageSize,
        Channels = config.Channels, Normalization = config.InputNormalization(), Resize = config.ResizeRule(),
    };

    public static CheckpointIdentity IdentityOf(RunConfig config, ClassHierarchy hierarchy) =>
        new(config.Method, config.Points is int points ? $"{config.Backbone}/{points}pts"
            : $"{config.Backbone}/{config.Channels ?? 3}ch/{config.ImageSize}px", HierarchySignature.Of(hierarchy));
}
