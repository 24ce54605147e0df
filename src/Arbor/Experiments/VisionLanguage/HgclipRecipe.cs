using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Training;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>
/// The choices of HGCLIP and its prompt baselines that the reference code (richard-peng-xia/HGCLIP) makes differently from
/// Arbor: text-context init, head normalisation, label-graph edge multiplicity, learning-rate schedule, and the per-dataset
/// training settings of its configs. <c>--recipe reference</c> takes all of the reference's; <c>--recipe arbor</c> (default)
/// Arbor's; every choice is also its own option. docs/hgclip.md has the table of differences.
/// </summary>
public static class HgclipRecipe
{
    /// <summary>The methods with this recipe.</summary>
    public static IReadOnlyList<string> Methods { get; } = new[] { "hgclip", "coop", "vpt", "ivlp", "kgcoop", "cocoop", "maple", "promptsrc" };

    /// <summary>The methods built on <see cref="Methods.Hgclip.HgclipModel"/> (its head's normalisation applies to them).</summary>
    static readonly string[] HeadMethods = { "hgclip", "coop", "vpt", "ivlp" };

    /// <summary>The methods with a learned text context.</summary>
    static readonly string[] TextContextMethods = { "hgclip", "coop", "ivlp", "kgcoop", "cocoop", "maple", "promptsrc" };

    /// <summary>
    /// One dataset's settings in the reference's <c>hgclip/configs/*/train_gnn.py</c> and <c>main.py</c>: context init,
    /// learning rate, and whether its label graph repeats parent → child edges once per leaf.
    /// </summary>
    public sealed record DatasetSettings(string TextInit, double LearningRate, bool EdgesPerLeaf);

    /// <summary>The reference's defaults for any dataset it has no config for.</summary>
    public static DatasetSettings Generic { get; } = new("a photo of a", 3e-4, false);

    // Names as Arbor's catalog and the common downloads spell them. Per-leaf edges: main.py builds these three graphs from
    // one row per leaf (air: the variant trees; caltech-101 / fruits-360: their hierarchy files), adding the upper edge once
    // per row; the others add each edge once.
    static readonly (string[] Names, DatasetSettings Settings)[] Datasets =
    {
        (new[] { "fgvc-aircraft", "aircraft", "air" }, new("a photo of an aircraft", 3e-4, true)),
        (new[] { "stanford-cars", "cars", "car" }, new("a photo of a car", 3e-4, false)),
        (new[] { "food-101", "food101" }, new("a photo of a food", 1e-3, false)),
        (new[] { "fruits-360", "fruits360" }, new("a photo of a fruit", 3e-4, true)),
        (new[] { "oxford-pets", "oxford-iiit-pet", "pets" }, new("a photo of a pet", 3e-4, false)),
        (new[] { "caltech-101", "caltech101" }, new("a photo of a", 3e-4, true)),
        (new[] { "cifar-100", "ethec", "living17", "living-17", "nonliving26", "nonliving-26", "entity13", "entity-13", "entity30", "entity-30" },
            Generic),
    };

    /// <summary>The reference's settings for a dataset name (case-insensitive), or <see cref="Generic"/>.</summary>
    public static DatasetSettings For(string dataset)
    {
        var name = Path.GetFileName(dataset.TrimEnd('/', '\\')).ToLowerInvariant();
        foreach (var (names, settings) in Datasets)
            if (names.Contains(name)) return settings;
        return Generic;
    }

    static readonly string[] Normalizations = { "cosine", "reference" };
    static readonly string[] Schedules = { "cosine", "plateau" };
    static readonly string[] Multiplicities = { "one", "per-leaf" };

    /// <summary>Fills the recipe's training settings (epochs, batch, lr, optimiser, schedule) into unset fields.</summary>
    public static RunConfig ApplyTrainingDefaults(RunConfig c)
    {
        if (c.Recipe != "reference") return c;
        // configs/*/train_gnn.py: batch 64, 50 epochs, SGD (momentum 0.9, weight decay 1e-4 in main.py), per-dataset lr,
        // no warm-up; ReduceLROnPlateau(patience 5, factor 0.1, min 1e-7) on accuracy.
        return c with
        {
            Epochs = c.Epochs ?? 50, BatchSize = c.BatchSize ?? 64, Optimizer = c.Optimizer ?? "sgd",
            LearningRate = c.LearningRate ?? For(c.Dataset).LearningRate, WeightDecay = c.WeightDecay ?? 1e-4,
            WarmupEpochs = c.WarmupEpochs ?? 0, Schedule = c.Schedule ?? "plateau",
        };
    }

    /// <summary>
    /// Checks the HGCLIP options against the method (an option that does not apply is refused) and fills every unset one
    /// from the recipe.
    /// </summary>
    public static RunConfig Resolve(RunConfig c)
    {
        bool applies = Methods.Contains(c.Method);
        bool textPrompt = TextContextMethods.Contains(c.Method);
        bool head = HeadMethods.Contains(c.Method);
        bool graph = c.Method == "hgclip";
        var given = new (string Option, object? Value, bool Applies, string Where)[]
        {
            ("--text-init", c.TextInit, textPrompt, string.Join(", ", TextContextMethods) + " (the methods with a learned text context)"),
            ("--head-normalization", c.HeadNormalization, head, string.Join(", ", HeadMethods)),
            ("--edge-multiplicity", c.EdgeMultiplicity, graph, "hgclip (the methods with a label graph)"),
        };
        foreach (var (option, value, ok, where) in given)
            if (value is not null && !ok) throw new ArborException($"{option} applies to {where}, not to {c.Method}");
        var schedule = c.Schedule is null ? null : RunRecipes.Choice(c.Schedule, Schedules, "--schedule");
        if (!applies) return c with { Schedule = schedule };

        bool reference = c.Recipe == "reference";
        var dataset = For(c.Dataset);
        return c with
        {
            TextInit = textPrompt ? c.TextInit ?? (reference ? dataset.TextInit : "a photo of a") : null,
            // Both recipes now share the head normalisation and the schedule: Arbor's defaults were chosen by measurement
            // (docs/results.md, "HGCLIP's defaults on the pretrained towers": 3 seeds × 2 tasks, plateau above cosine decay,
            // the reference head at least as good as the cosine head).
            HeadNormalization = head ? RunRecipes.Choice(c.HeadNormalization ?? "reference", Normalizations, "--head-normalization") : null,
            EdgeMultiplicity = graph ? RunRecipes.Choice(c.EdgeMultiplicity ?? (reference && dataset.EdgesPerLeaf ? "per-leaf" : "one"), Multiplicities, "--edge-multiplicity") : null,
            Schedule = schedule ?? "plateau",
            ClipPreprocessing = c.ClipPreprocessing ?? (reference ? "stretch" : null),
        };
    }

    /// <summary>
    /// The head normalisation of a (resolved or older) config. Configs written before the field existed ran with Cosine,
    /// so a missing value still means Cosine (a resolved config always names it).
    /// </summary>
    public static HgclipNormalization NormalizationOf(RunConfig c) =>
        c.HeadNormalization == "reference" ? HgclipNormalization.Reference : HgclipNormalization.Cosine;

    /// <summary>The label graph's edge multiplicity of a config.</summary>
    public static EdgeMultiplicity EdgeMultiplicityOf(RunConfig c) =>
        c.EdgeMultiplicity == "per-leaf" ? EdgeMultiplicity.PerLeaf : EdgeMultiplicity.One;

    /// <summary>The trainer's schedule of a config (any method).</summary>
    public static ScheduleKind ScheduleOf(RunConfig c) => c.Schedule == "plateau" ? ScheduleKind.Plateau : ScheduleKind.Cosine;
}
