using Arbor.Data;
using Arbor.Methods.Contrastive;
using Arbor.Training;

namespace Arbor.Experiments;

/// <summary>
/// The settings of the contrastive family in a run — loss options, batch sampling, view augmentation and linear probe —
/// from Arbor's defaults or from the HMLC reference recipe (<c>--recipe reference</c>), overridden option by option.
/// <see cref="Resolve"/> writes every value into the config, so config.json records exactly what ran; the builders read
/// a resolved config (or an older one without these fields, whose gaps take Arbor's defaults, which are what ran then).
/// The two recipes are compared in docs/contrastive.md.
/// </summary>
public static class ContrastiveRecipe
{
    /// <summary>Methods that have a reference recipe (salesforce/hierarchicalContrastiveLearning).</summary>
    public static IReadOnlyList<string> ReferenceMethods { get; } = new[] { "hmlc", "hicone", "himulcone" };

    static readonly string[] HiConEForms = { "pairwise", "batch-mean" };
    static readonly string[] Samplers = { "random", "hierarchical" };
    static readonly string[] LossScales = { "levels", "normalised", "reference" };
    static readonly string[] ProbeRecipes = { "arbor", "reference" };

    /// <summary>Values of <c>--mask-heads</c> (a-hmlc): attention heads, or one static learned mask per level.</summary>
    public static IReadOnlyList<string> MaskHeadKinds => Methods.Contrastive.MaskHeadKinds.Names;

    /// <summary>
    /// Fills the recipe's training defaults (epochs, batch, optimiser, …) into the unset fields of a config whose method is
    /// canonical and recipe checked (<see cref="RunRecipes"/>); the method's own defaults fill what is still unset afterwards.
    /// </summary>
    public static RunConfig ApplyTrainingDefaults(RunConfig c)
    {
        if (c.Recipe != "reference" || !ReferenceMethods.Contains(c.Method)) return c;
        // train_deepfashion.py as its README runs it: SGD momentum 0.9, wd 1e-4, lr 0.5, τ 0.1, batch 512, 100 epochs,
        // cosine with 10 warm-up epochs (on because the batch is ≥ 256); eval_deepfashion.py: 100 probe epochs.
        return c with
        {
            Epochs = c.Epochs ?? 100, BatchSize = c.BatchSize ?? 512, Optimizer = c.Optimizer ?? "sgd",
            LearningRate = c.LearningRate ?? 0.5, WeightDecay = c.WeightDecay ?? 1e-4, WarmupEpochs = c.WarmupEpochs ?? 10,
            Temperature = c.Temperature ?? 0.1, ProbeEpochs = c.ProbeEpochs ?? 100,
        };
    }

    /// <summary>
    /// Checks the contrastive options against the method (an option that does not apply is an error, never silently
    /// ignored) and fills every unset one from the recipe. Configs of other families keep these fields empty.
    /// </summary>
    public static RunConfig Resolve(RunConfig c)
    {
        var family = MethodCatalog.Get(c.Method).Family;
        string method = c.Method;
        bool contrastive = family == MethodFamily.Contrastive;
        bool reference = (c.Recipe ?? "arbor") == "reference" && contrastive;

        RefuseUnless(contrastive, "contrastive methods", c, ("--hicone", c.HiConE), ("--reduce-prefixes", c.ReducePrefixes),
            ("--instance-level", c.InstanceLevel), ("--inverse-frequency", c.InverseFrequency), ("--mask-constraint", c.MaskConstraint),
            ("--refit-every", c.RefitEvery), ("--mask-width", c.MaskWidth), ("--detach-mask-input", c.DetachMaskInput),
            ("--mask-heads", c.MaskHeads), ("--jitter-p", c.JitterP), ("--grayscale-p", c.GrayscaleP), ("--hue", c.Hue),
            ("--crop-scale-min", c.CropScaleMin), ("--loss-scale", c.LossScale), ("--probe-recipe", c.ProbeRecipe));
        RefuseUnless(family != MethodFamily.VisionLanguage, "image methods", c, ("--sampler", c.Sampler));
        bool masked = method is "g-hmlc" or "a-hmlc";
        RefuseUnless(method == "g-hmlc", "g-hmlc", c, ("--refit-every", c.RefitEvery));
        RefuseUnless(method == "a-hmlc", "a-hmlc", c, ("--mask-width", c.MaskWidth), ("--detach-mask-input", c.DetachMaskInput),
            ("--mask-heads", c.MaskHeads));
        var maskHeads = c.MaskHeads is null ? null : RunRecipes.Choice(c.MaskHeads, MaskHeadKinds, "--mask-heads");
        bool attention = method == "a-hmlc" && maskHeads is null or "attention";
        if (maskHeads == "static")
        {
            var given = new[] { ("--mask-width", c.MaskWidth is not null), ("--detach-mask-input", c.DetachMaskInput is not null) }
                .Where(o => o.Item2).Select(o => o.Item1).ToArray();
            if (given.Length > 0)
                throw new ArborException($"{string.Join(", ", given)} {(given.Length == 1 ? "applies" : "apply")} to a-hmlc's " +
                    "attention mask heads, not to --mask-heads static (a static mask is one learned vector per level: no hidden " +
                    "layer, no backbone input)");
        }
        RefuseUnless(masked, "g-hmlc and a-hmlc (HMLC's own constraint is chosen by the method: hicone, himulcone)", c,
            ("--mask-constraint", c.MaskConstraint));
        bool constrained = method is "hicone" or "himulcone" || (masked && c.MaskConstraint == true);
        RefuseUnless(!contrastive || constrained, "hicone, himulcone, and g-hmlc / a-hmlc with --mask-constraint", c, ("--hicone", c.HiConE));
        RefuseUnless(method != "supcon", "the multi-level methods (SupCon contrasts one level)", c,
            ("--reduce-prefixes", c.ReducePrefixes), ("--loss-scale", c.LossScale));

        // The colour and crop options of the image views mean nothing to point clouds (their views: PointAugmentation).
        bool clouds = Models.Vision.Backbones.IsPointBackbone(c.Backbone);
        RefuseUnless(!clouds, "image views (point clouds have their own augmentation)", c, ("--jitter-p", c.JitterP),
            ("--grayscale-p", c.GrayscaleP), ("--hue", c.Hue), ("--crop-scale-min", c.CropScaleMin));
        var sampler = c.Sampler is null ? null : RunRecipes.Choice(c.Sampler, Samplers, "--sampler");
        if (!contrastive) return c with { Sampler = sampler ?? (family == MethodFamily.Supervised ? "random" : null) };

        Range(c.JitterP, 0, 1, "--jitter-p");
        Range(c.GrayscaleP, 0, 1, "--grayscale-p");
        Range(c.Hue, 0, 0.5, "--hue");
        if (c.CropScaleMin is double s && !(s > 0 && s <= 1)) throw new ArborException($"--crop-scale-min must be in (0, 1], not {s}");
        if (c.RefitEvery is int e && e < 1) throw new ArborException($"--refit-every must be at least 1 epoch, not {e}");
        if (c.MaskWidth is int w && w < 0) throw new ArborException($"--mask-width must be ≥ 0 (0: the projection width), not {w}");

        return c with
        {
            HiConE = constrained ? RunRecipes.Choice(c.HiConE ?? (reference ? "batch-mean" : "pairwise"), HiConEForms, "--hicone") : null,
            ReducePrefixes = method == "supcon" ? null : c.ReducePrefixes ?? reference,
            InstanceLevel = c.InstanceLevel ?? false,
            InverseFrequency = c.InverseFrequency ?? masked,
            MaskConstraint = masked ? c.MaskConstraint ?? false : null,
            RefitEvery = method == "g-hmlc" ? c.RefitEvery ?? 1 : null,
            MaskWidth = attention ? c.MaskWidth ?? 0 : null,
            DetachMaskInput = attention ? c.DetachMaskInput ?? false : null,
            MaskHeads = method == "a-hmlc" ? maskHeads ?? "attention" : null,
            Sampler = sampler ?? (reference ? "hierarchical" : "random"),
            // The reference: RandomResizedCrop(scale 0.2–1), flip, RandomApply(ColorJitter(0.4, 0.4, 0.4, 0.1), p 0.8),
            // RandomGrayscale(0.2). Arbor: crops of 0.8–1 (small images lose too much at 0.2), jitter always, no hue.
            JitterP = clouds ? null : c.JitterP ?? (reference ? 0.8 : 1.0),
            GrayscaleP = clouds ? null : c.GrayscaleP ?? 0.2,
            Hue = clouds ? null : c.Hue ?? (reference ? 0.1 : 0.0),
            CropScaleMin = clouds ? null : c.CropScaleMin ?? (reference ? 0.2 : 0.8),
            LossScale = method == "supcon" ? null : RunRecipes.Choice(c.LossScale?.Replace("normalized", "normalised") ?? (reference ? "reference" : "levels"), LossScales, "--loss-scale"),
            ProbeRecipe = RunRecipes.Choice(c.ProbeRecipe ?? (reference ? "reference" : "arbor"), ProbeRecipes, "--probe-recipe"),
        };
    }

    /// <summary>The objective's options for a (resolved or older) config.</summary>
    public static ContrastiveOptions ObjectiveOptions(RunConfig c) => new()
    {
        Temperature = c.Temperature ?? 0.1,
        HiConEForm = c.HiConE == "batch-mean" ? HiConEForm.BatchMean : HiConEForm.Pairwise,
        BatchReduction = c.ReducePrefixes ?? false,
        InstanceLevel = c.InstanceLevel ?? false,
        InverseFrequency = c.InverseFrequency,
        FeatureMethodsConstraint = c.MaskConstraint ?? false,
        RefitEveryEpochs = c.RefitEvery ?? 1,
        MaskHiddenDim = c.MaskWidth ?? 0,
        DetachMaskInput = c.DetachMaskInput ?? false,
        MaskHeads = Methods.Contrastive.MaskHeadKinds.Parse(c.MaskHeads),
        LossScale = c.LossScale switch { "normalised" => LossScale.Normalised, "reference" => LossScale.Reference, _ => LossScale.Levels },
        Seed = c.Seed,
    };

    /// <summary>The augmentation of the two contrastive views (point clouds: <see cref="Data.Points.PointAugmentation.Contrastive"/>).</summary>
    public static IBatchTransform ViewAugmentation(RunConfig c) => Models.Vision.Backbones.IsPointBackbone(c.Backbone)
        ? Data.Points.PointAugmentation.Contrastive()
        : BatchAugmentation.Contrastive(scaleMin: c.CropScaleMin ?? 0.8, jitterProbability: c.JitterP ?? 1.0,
            grayscaleProbability: c.GrayscaleP ?? 0.2, hue: c.Hue ?? 0.0);

    /// <summary>How training batches are drawn.</summary>
    public static SamplerKind SamplerOf(RunConfig c) => c.Sampler == "hierarchical" ? SamplerKind.Hierarchical : SamplerKind.Random;

    /// <summary>The linear probe's recipe.</summary>
    public static LinearProbeTrainer.Options ProbeOptions(RunConfig c) => c.ProbeRecipe == "reference"
        ? LinearProbeTrainer.Options.Reference(c.ProbeEpochs ?? 100, c.Seed)
        : new LinearProbeTrainer.Options(Epochs: c.ProbeEpochs ?? 40, Seed: c.Seed);

    static void Range(double? value, double lo, double hi, string option)
    {
        if (value is double v && !(v >= lo && v <= hi)) throw new ArborException($"{option} must be in [{lo}, {hi}], not {v}");
    }

    static void RefuseUnless(bool applies, string appliesTo, RunConfig c, params (string Option, object? Value)[] options)
    {
        if (applies) return;
        var given = options.Where(o => o.Value is not null).Select(o => o.Option).ToArray();
        if (given.Length > 0)
            throw new ArborException($"{string.Join(", ", given)} {(given.Length == 1 ? "applies" : "apply")} to {appliesTo}, not to {c.Method}");
    }
}
