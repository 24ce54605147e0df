using System.Diagnostics;
using System.Globalization;
using System.Text;
using Arbor.Data;
using Arbor.Data.Benchmarks;
using Arbor.Evaluation;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>What `arbor reproduce hgclip` is asked for.</summary>
/// <param name="Dataset">A benchmark name (<see cref="BenchmarkCatalog"/>) or another name the dataset catalog knows.</param>
/// <param name="ClipPath">The Hugging Face CLIP folder (the paper: ViT-B/16).</param>
/// <param name="DataRoot">The dataset's own folder or a data root holding it under its usual name.</param>
/// <param name="Method">A method of the table (<see cref="HgclipRecipe.Methods"/>).</param>
public sealed record ReproductionRequest(string Dataset, string ClipPath, string DataRoot, string Method = "hgclip")
{
    public int Seed { get; init; }
    public int Threads { get; init; }
    /// <summary>Overrides the recipe's epochs (a shorter trial run); null = the paper's.</summary>
    public int? Epochs { get; init; }
}

/// <summary>The plan of a reproduction: the resolved run config, the data found, and the time it should take here.</summary>
/// <param name="Config">The resolved run config (recipe filled in, CLIP's input geometry).</param>
/// <param name="DataDescription">Where the splits came from, as the reader says it.</param>
/// <param name="Hierarchy">The dataset's built-in hierarchy.</param>
/// <param name="TrainImages">Images of the training split (the pool minus validation).</param>
/// <param name="ValidationImages">Images of the validation split (selection).</param>
/// <param name="TestImages">Images of the test split.</param>
/// <param name="TrainSecondsPerImage">Timed here: a training step's seconds per image.</param>
/// <param name="EvalSecondsPerImage">Timed here: an evaluation forward's seconds per image.</param>
/// <param name="ClassesWithoutTrainingImages">Leaves with no training image when the method needs one of each (HGCLIP's
/// prototypes): training would stop on them.</param>
public sealed record ReproductionPlan(RunConfig Config, string DataDescription, ClassHierarchy Hierarchy,
    int TrainImages, int ValidationImages, int TestImages, double TrainSecondsPerImage, double EvalSecondsPerImage,
    IReadOnlyList<string> ClassesWithoutTrainingImages)
{
    /// <summary>
    /// Estimated wall time: every epoch trains on the training split and validates; the test split once; HGCLIP's
    /// prototypes one pass over the training split. Image decoding and loading are not included.
    /// </summary>
    public TimeSpan Estimate
    {
        get
        {
            int epochs = Config.Epochs ?? 1;
            double prototypes = Config.Method == "hgclip" ? TrainImages * EvalSecondsPerImage : 0;
            double seconds = epochs * (TrainImages * TrainSecondsPerImage + ValidationImages * EvalSecondsPerImage)
                             + TestImages * EvalSecondsPerImage + prototypes;
            return TimeSpan.FromSeconds(seconds);
        }
    }
}

/// <summary>
/// One row of HGCLIP's table as one command: the paper's recipe (<c>--recipe reference</c>: the reference code's epochs,
/// learning rate, batch, optimiser, schedule, text init and OpenAI-style preprocessing) on a benchmark in its downloaded
/// layout, the best epoch selected on the validation split (carved from the training pool, or the dataset's own) — never
/// on the test split — and the test accuracies per level printed beside the published ones.
/// </summary>
public static class HgclipReproduction
{
    /// <summary>The run config of a request, resolved as `arbor train` resolves it.</summary>
    public static RunConfig ConfigOf(ReproductionRequest request)
    {
        if (!HgclipRecipe.Methods.Contains(request.Method.ToLowerInvariant()))
            throw new ArborException($"reproduce hgclip: method '{request.Method}' is not in the table; one of {string.Join(", ", HgclipRecipe.Methods)}");
        var dataset = BenchmarkCatalog.Find(request.Dataset)?.Name ?? request.Dataset;
        if (!DatasetCatalog.Names.Contains(dataset, StringComparer.OrdinalIgnoreCase))
            throw new ArborException($"reproduce hgclip: unknown dataset '{request.Dataset}'; known: {string.Join(", ", BenchmarkCatalog.All.Select(b => b.Name).Append("cifar-100"))}");
        return new RunConfig
        {
            Method = request.Method.ToLowerInvariant(), Dataset = dataset, DataRoot = request.DataRoot, ClipPath = request.ClipPath,
            Recipe = "reference", Seed = request.Seed, Threads = request.Threads, Epochs = request.Epochs,
        };
    }

    /// <summary>
    /// Finds and opens the data, checks the CLIP folder and the options, and times one training step and one evaluation
    /// forward of the method on random images of CLIP's size (2 images each) for the estimate. Trains nothing, writes nothing.
    /// </summary>
    public static ReproductionPlan Plan(ReproductionRequest request)
    {
        var config = TrainRun.Resolve(ConfigOf(request));
        RunValidation.CheckOptions(config);
        if (config.Threads > 0) set_num_threads(config.Threads);
        var splits = TrainRun.OpenData(config);
        config = VisionLanguageMethods.ResolveInput(config, splits, checkImages: false);
        var hierarchy = splits.Hierarchy;
        var counts = splits.Train.CountPerLeaf();
        var empty = VisionLanguageMethods.NeedsImagesOfEveryClass(config)
            ? Enumerable.Range(0, counts.Length).Where(l => counts[l] == 0).Select(l => hierarchy.Node(hierarchy.Depth, l).Name).ToArray()
            : [];
        var (train, eval) = TimeSteps(config, hierarchy);
        return new ReproductionPlan(config, splits.Description, hierarchy, splits.Train.Count, splits.Validation.Count,
            splits.Test.Count, train, eval, empty);
    }

    /// <summary>Seconds per image of a training step (forward + backward) and of an evaluation forward, batch of 2.</summary>
    static (double Train, double Eval) TimeSteps(RunConfig config, ClassHierarchy hierarchy)
    {
        const int images = 2;
        using var scope = NewDisposeScope();
        manual_seed(config.Seed);
        using var model = TrainRun.CreateModel(config, hierarchy);
        var batch = randn(images, 3, config.ImageSize!.Value, config.ImageSize.Value);
        var leaves = zeros(images, dtype: ScalarType.Int64);
        var loss = new HgclipLoss(hierarchy);
        model.Module.train();
        // The first pass warms libtorch's kernels and allocator; the second is timed.
        double train = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            var clock = Stopwatch.StartNew();
            using (var step = NewDisposeScope())
            {
                var value = model switch
                {
                    Methods.Prompting.Baselines.PromptBaselineModel b => new Methods.Prompting.Baselines.PromptBaselineLoss(b).Compute(batch, leaves),
                    _ => loss.Compute(model.LevelLogits(batch), leaves),
                };
                if (value.requires_grad) value.backward();
            }
            train = clock.Elapsed.TotalSeconds / images;
        }
        model.Module.eval();
        double eval = 0;
        using (no_grad())
            for (int pass = 0; pass < 2; pass++)
            {
                var clock = Stopwatch.StartNew();
                using (var step = NewDisposeScope()) model.LevelLogits(batch);
                eval = clock.Elapsed.TotalSeconds / images;
            }
        return (train, eval);
    }

    /// <summary>The plan for people: data found, counts per level, hierarchy, recipe, estimated time.</summary>
    public static string Describe(ReproductionPlan plan)
    {
        var c = plan.Config;
        var h = plan.Hierarchy;
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine($"reproduce hgclip: {c.Method} on {c.Dataset} (dry run: nothing is trained or written)");
        s.AppendLine($"data: {plan.DataDescription}");
        s.AppendLine($"images: train {plan.TrainImages:N0}, validation {plan.ValidationImages:N0} (selects the best epoch), test {plan.TestImages:N0} (evaluated once, at the end)");
        s.AppendLine($"hierarchy: {h.Depth} levels, {h.Nodes.Count} nodes");
        for (int level = 1; level <= h.Depth; level++)
        {
            var names = h.NodesAt(level).Select(n => n.Name).ToArray();
            s.AppendLine($"  level {level} {h.LevelNames[level - 1]}: {names.Length} classes ({string.Join(", ", names.Take(5))}{(names.Length > 5 ? ", …" : "")})");
        }
        if (plan.ClassesWithoutTrainingImages is { Count: > 0 } empty)
            s.AppendLine($"warning: {empty.Count} class(es) have no training image ({string.Join(", ", empty.Take(5))}{(empty.Count > 5 ? ", …" : "")}); " +
                         "HGCLIP's prototypes need one of each, so training would stop");
        s.AppendLine($"recipe: reference — {c.Epochs} epochs, batch {c.BatchSize}, {c.Optimizer} lr {c.LearningRate?.ToString("G3", inv)}, " +
                     $"weight decay {c.WeightDecay?.ToString("G3", inv)}, schedule {c.Schedule}, text init \"{c.TextInit}\", " +
                     $"preprocessing {c.ClipPreprocessing}, {c.ImageSize}px, seed {c.Seed}");
        s.AppendLine($"CLIP: {c.ClipPath}");
        s.AppendLine(string.Create(inv, $"timed here: {plan.TrainSecondsPerImage * 1000:F1} ms per training image, {plan.EvalSecondsPerImage * 1000:F1} ms per evaluated image"));
        s.AppendLine($"estimated time: {Format(plan.Estimate)} (model compute only; image decoding adds to it)");
        var published = PublishedResults.For(c.Dataset, c.Method);
        s.Append(published.Count == 0
            ? "published row: not transcribed (Tables/hgclip-published.tsv)"
            : "published row: " + string.Join(" / ", published.Select(p => $"level {p.Level} {p.Top1Percent.ToString("0.00", inv)}%")) + $" ({published[0].Source})");
        return s.ToString();
    }

    /// <summary>Our test accuracies per level beside the published ones (percent), and the difference.</summary>
    public static string Compare(MetricsReport ours, string dataset, string method, IReadOnlyList<PublishedAccuracy>? table = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var published = PublishedResults.For(dataset, method, table);
        var s = new StringBuilder();
        s.AppendLine($"{method} on {dataset}, test split, top-1 (%)");
        s.AppendLine("level                 ours   published   difference");
        foreach (var level in ours.Levels)
        {
            var p = published.FirstOrDefault(r => r.Level == level.Level);
            string name = $"{level.Level} {level.Name}";
            s.AppendLine(string.Create(inv, $"{name,-18} {level.Top1 * 100,7:0.00}   {(p is null ? "—" : p.Top1Percent.ToString("0.00", inv)),9}   " +
                                            $"{(p is null ? "" : (level.Top1 * 100 - p.Top1Percent).ToString("+0.00;-0.00", inv)),10}"));
        }
        s.Append(published.Count == 0 ? "published: not transcribed for this dataset and method" : $"published: {published[0].Source}");
        return s.ToString();
    }

    static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{t.TotalSeconds:F0} s";
}
