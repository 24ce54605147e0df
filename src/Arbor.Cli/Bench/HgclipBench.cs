using System.CommandLine;
using System.Diagnostics;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Models.Clip;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Bench;

/// <summary>
/// `arbor-bench hgclip`: one HGCLIP training step (forward + backward, all four parts on) split into its stages — text
/// tower over every node's prompt, text graph encoder, image tower, image graph encoder, prototype attention + logits,
/// loss — and the peak resident memory. Each stage runs on detached copies of its inputs, so its backward is timed on
/// its own (the stages' gradients are chained by hand, exactly as autograd would). A random CLIP (no weights needed):
/// clip-tiny's shapes with the Fashion-MNIST hierarchy (18 nodes), or ViT-B/16's with CIFAR-100's (120 nodes).
/// </summary>
internal static class HgclipBench
{
    /// <summary>The shared clip-tiny fixture's shapes: 32 px, patch 8, widths 64 / 48, 2 layers, projection 32.</summary>
    static ClipConfig Tiny => new()
    {
        ProjectionDim = 32,
        Text = new ClipTextConfig
        {
            VocabSize = 300, HiddenSize = 48, IntermediateSize = 192, NumHiddenLayers = 2, NumAttentionHeads = 4,
            MaxPositionEmbeddings = 16, BosTokenId = 298, EosTokenId = 299,
        },
        Vision = new ClipVisionConfig
        {
            HiddenSize = 64, IntermediateSize = 256, NumHiddenLayers = 2, NumAttentionHeads = 4, ImageSize = 32, PatchSize = 8,
        },
    };

    public static Command Build()
    {
        var shapes = new Option<string>("--shapes") { Description = "tiny | vit-b16", DefaultValueFactory = _ => "tiny" };
        var batch = new Option<int>("--batch-size", "--batch") { Description = "images per step", DefaultValueFactory = _ => 8 };
        var steps = new Option<int>("--steps") { Description = "timed steps (after one warm-up step)", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => 2 };
        var precision = Cli.Commands.PrecisionOption.Create();
        var command = new Command("hgclip", "HGCLIP training step time per stage (forward + backward) and peak memory") { shapes, batch, steps, threads, precision };
        command.SetAction(r => Run(r.GetValue(shapes)!, r.GetValue(batch), r.GetValue(steps), r.GetValue(threads),
            ComputePrecision.Resolve(Cli.Commands.PrecisionOption.Get(r, precision))));
        return command;
    }

    static readonly string[] Stages = { "text tower", "text graph", "image tower", "image graph", "attention+logits", "loss" };

    static int Run(string shapes, int batch, int steps, int threads, PrecisionChoice precision)
    {
        torch.set_num_threads(threads);
        var (config, hierarchy) = shapes.ToLowerInvariant() switch
        {
            "tiny" => (Tiny, BuiltInHierarchies.FashionMnist()),
            "vit-b16" => (ClipBench.VitB16, BuiltInHierarchies.Cifar100()),
            _ => throw new ArgumentException($"unknown --shapes '{shapes}'; valid: tiny, vit-b16"),
        };
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}  ({Environment.ProcessorCount} cores, {threads} torch threads)");
        manual_seed(0);
        double rssBefore = MemoryProbe.ResidentMiB();
        Console.WriteLine(precision);
        using var model = new HgclipModel(new ClipModel(config).CastFrozen(precision.FrozenType), SyntheticTokenizer(hierarchy, config), hierarchy);
        int n = hierarchy.Nodes.Count, p = config.ProjectionDim;
        model.SetPrototypes(randn(n, p));
        model.train();
        Console.WriteLine($"{shapes}: {n} nodes, prompts of {model.NodeTokens.shape[1]} tokens, batch {batch} at {config.Vision.ImageSize} px, " +
                          $"{model.TrainableParameters.Sum(t => t.numel()) / 1e6:F2} M trainable parameters; model built, RSS {MemoryProbe.ResidentMiB():F0} MiB");

        var forward = new double[Stages.Length];
        var backward = new double[Stages.Length];
        var whole = new List<double>();
        var loss = new HgclipLoss(hierarchy);
        for (int step = 0; step <= steps; step++)
        {
            var f = new double[Stages.Length];
            var b = new double[Stages.Length];
            using (var scope = NewDisposeScope())
            {
                var images = randn(batch, 3, config.Vision.ImageSize, config.Vision.ImageSize);
                var leaves = randint(hierarchy.LeafCount, [batch]);
                StagedStep(model, loss, images, leaves, f, b);
                foreach (var q in model.parameters()) q.grad?.zero_();
                // The same step as training runs it (one autograd graph), for comparison with the sum of the stages.
                var clock = Stopwatch.StartNew();
                loss.Compute(model.LevelLogits(images), leaves).backward();
                whole.Add(clock.Elapsed.TotalMilliseconds);
                foreach (var q in model.parameters()) q.grad?.zero_();
            }
            if (step == 0) { whole.Clear(); continue; }   // warm-up
            for (int s = 0; s < Stages.Length; s++) { forward[s] += f[s] / steps; backward[s] += b[s] / steps; }
        }

        Console.WriteLine();
        Console.WriteLine($"{"stage",-18} {"forward ms",11} {"backward ms",12} {"total ms",10} {"share",7}");
        double sum = forward.Sum() + backward.Sum();
        for (int s = 0; s < Stages.Length; s++)
            Console.WriteLine($"{Stages[s],-18} {forward[s],11:F1} {backward[s],12:F1} {forward[s] + backward[s],10:F1} {(forward[s] + backward[s]) / sum,7:P1}");
        Console.WriteLine($"{"sum of stages",-18} {forward.Sum(),11:F1} {backward.Sum(),12:F1} {sum,10:F1}");
        Console.WriteLine($"whole step (one graph, as training runs it): {whole.Average():F1} ms mean of {whole.Count} " +
                          $"({batch / (whole.Average() / 1000):F1} images/s)");
        // Frozen towers: forward, then a backward that computes input gradients only (no weight gradients), about the
        // forward's FLOPs again; the graph, attention and loss stages are negligible next to them.
        double textFlops = 2 * TowerFlops.Text(config.Text, n, model.NodeTokens.shape[1], p);
        double imageFlops = 2 * TowerFlops.Image(config.Vision, batch, p);
        double stepSeconds = whole.Average() / 1000;
        var (m, k, inter) = (batch * (config.Vision.NumPatches + 1L), (long)config.Vision.HiddenSize, (long)config.Vision.IntermediateSize);
        double fp32Rate = MatmulBench.Rate(m, k, inter, ScalarType.Float32, 0.5), bf16Rate = MatmulBench.Rate(m, k, inter, ScalarType.BFloat16, 0.5);
        Console.WriteLine($"tower FLOPs per step (forward + input-gradient backward): text {textFlops / 1e9:F1} G, image {imageFlops / 1e9:F1} G → " +
                          $"{(textFlops + imageFlops) / stepSeconds / 1e9:F1} GFLOP/s over the whole step; GEMM rate at the image fc1 shape: " +
                          $"fp32 {fp32Rate:F0}, bf16 {bf16Rate:F0} GFLOP/s");
        Console.WriteLine($"time per FLOP, text/image tower (forward + backward stages): " +
                          $"{(forward[0] + backward[0]) / textFlops / ((forward[2] + backward[2]) / imageFlops):F2}");
        BenchFigures.Record("shapes", shapes);
        BenchFigures.Record("precision", precision.Name);
        BenchFigures.Record("nodes", n);
        BenchFigures.Record("batch", batch);
        for (int s = 0; s < Stages.Length; s++)
            BenchFigures.Row("stages", new() { ["stage"] = Stages[s], ["forward_ms"] = Math.Round(forward[s], 1), ["backward_ms"] = Math.Round(backward[s], 1) });
        BenchFigures.Record("step_ms", whole.Average());
        BenchFigures.Record("images_per_s", batch / stepSeconds);
        BenchFigures.Record("tower_gflops", (textFlops + imageFlops) / stepSeconds / 1e9);
        BenchFigures.Record("gemm_fp32_gflops", fp32Rate);
        BenchFigures.Record("gemm_bf16_gflops", bf16Rate);
        BenchFigures.Record("text_over_image_time_per_flop", (forward[0] + backward[0]) / textFlops / ((forward[2] + backward[2]) / imageFlops));
        BenchFigures.Record("peak_rss_mib", MemoryProbe.PeakMiB());
        Console.WriteLine($"peak RSS {MemoryProbe.PeakMiB():F0} MiB (before the model: {rssBefore:F0} MiB); " +
                          $"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>One training step stage by stage; forward and backward milliseconds per stage go to f and b.</summary>
    static void StagedStep(HgclipModel model, HgclipLoss loss, Tensor images, Tensor leaves, double[] f, double[] b)
    {
        var head = model.Head;
        var clip = model.Clip;
        var clock = Stopwatch.StartNew();
        double Lap() { double ms = clock.Elapsed.TotalMilliseconds; clock.Restart(); return ms; }
        static Tensor Leaf(Tensor t) => t.detach().requires_grad_(true);

        clock.Restart();
        var text = clip.EncodeText(model.NodeTokens, model.TextPrompt!.Prompts());        f[0] = Lap();
        var textIn = Leaf(text);
        var textHat = head.TextGraph!.forward(textIn, head.Graph);                         f[1] = Lap();
        var vision = clip.EncodeImageWithTokens(images, model.VisualPrompt!.Prompts());     f[2] = Lap();
        var protoHat = head.ImageGraph!.forward(model.Prototypes!, head.Graph);             f[3] = Lap();
        Tensor embedsIn = Leaf(vision.Embeds), tokensIn = Leaf(vision.Tokens), textHatIn = Leaf(textHat), protoHatIn = Leaf(protoHat);
        var logits = Logits(head, textHatIn, protoHatIn, embedsIn, tokensIn, clip.LogitScale); f[4] = Lap();
        var logitsIn = Leaf(logits);
        var value = loss.Compute(head.SplitLevels(logitsIn), leaves);                      f[5] = Lap();

        value.backward();                                                                  b[5] = Lap();
        logits.backward([logitsIn.grad!]);                                                 b[4] = Lap();
        protoHat.backward([protoHatIn.grad!]);                                             b[3] = Lap();
        ((vision.Embeds * embedsIn.grad!).sum() + (vision.Tokens * tokensIn.grad!).sum()).backward(); b[2] = Lap();
        textHat.backward([textHatIn.grad!]);                                               b[1] = Lap();
        text.backward([textIn.grad!]);                                                     b[0] = Lap();
    }

    /// <summary>The head's logits from already encoded text and prototypes (as <see cref="HgclipHead.NodeLogits"/> composes them).</summary>
    static Tensor Logits(HgclipHead head, Tensor textHat, Tensor protoHat, Tensor embeds, Tensor tokens, Tensor logitScale)
    {
        bool cosine = head.Options.Normalization == HgclipNormalization.Cosine;
        var t = nn.functional.normalize(textHat, dim: -1);
        var f = cosine ? nn.functional.normalize(embeds, dim: -1) : embeds;
        var pooled = head.AttentionPooled(protoHat, tokens, cosine);
        return logitScale.exp() * f.matmul(t.t()) + head.Options.Lambda2 * head.Options.AttentionScale * pooled.matmul(t.t());
    }

    /// <summary>
    /// A tokenizer for the hierarchy's prompts without vocabulary files: every character of the prompts, and whole-word
    /// merges, so names are one token each as in CLIP's real vocabulary for common words; BOS/EOS get the config's ids.
    /// </summary>
    static ClipTokenizer SyntheticTokenizer(ClassHierarchy hierarchy, ClipConfig config)
    {
        var words = ClassPromptWords(hierarchy);
        var vocab = new Dictionary<string, int>();
        void Add(string token) { if (!vocab.ContainsKey(token)) vocab[token] = vocab.Count; }
        foreach (var c in words.SelectMany(w => w).Distinct().OrderBy(c => c)) { Add(c.ToString()); Add(c + "</w>"); }
        var merges = new List<(string, string)>();
        var seen = new HashSet<(string, string)>();
        foreach (var w in words.Where(w => w.Length > 1))
            for (int i = 1; i < w.Length; i++)
            {
                var pair = (w[..i], w[i] + (i == w.Length - 1 ? "</w>" : ""));
                if (!seen.Add(pair)) continue;
                merges.Add(pair);
                Add(pair.Item1 + pair.Item2);
            }
        if (vocab.Count >= Math.Min(config.Text.BosTokenId, config.Text.EosTokenId))
            throw new InvalidOperationException($"synthetic vocabulary of {vocab.Count} tokens does not fit below BOS/EOS");
        vocab[ClipTokenizer.StartOfText] = config.Text.BosTokenId;
        vocab[ClipTokenizer.EndOfText] = config.Text.EosTokenId;
        return new ClipTokenizer(vocab, merges, config.Text.MaxPositionEmbeddings);
    }

    static List<string> ClassPromptWords(ClassHierarchy hierarchy) =>
        Methods.Prompting.ClassPrompts.PlaceholderTexts(hierarchy, 4).Concat(Methods.Prompting.ClassPrompts.TemplateTexts(hierarchy)).Append("a photo of a")
            .SelectMany(t => System.Text.RegularExpressions.Regex.Matches(ClipTokenizer.Clean(t), @"[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+").Select(m => m.Value))
            .Distinct().OrderBy(w => w, StringComparer.Ordinal).ToList();
}
