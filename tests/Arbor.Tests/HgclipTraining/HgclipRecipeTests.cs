using Arbor.Experiments;
using Arbor.Experiments.VisionLanguage;
using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Methods.Prompting;
using Arbor.Models.Clip;
using Arbor.Models.Graph;
using Arbor.Tests.Data;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.HgclipTraining;

/// <summary>
/// HGCLIP's reference recipe and its individual switches: per-leaf graph edges as DGL counts them, the text init with a
/// frozen domain word, the plateau schedule as PyTorch steps it, and the recipe's resolution.
/// </summary>
public sealed class HgclipRecipeTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();

    public void Dispose() => _tmp.Dispose();

    static ClassHierarchy ThreeLevels() => ClassHierarchy.FromLeafPaths("three", new[] { "maker", "family", "variant" }, new IReadOnlyList<string>[]
    {
        new[] { "boeing", "b737", "b737-200" }, new[] { "boeing", "b737", "b737-300" }, new[] { "boeing", "b737", "b737-400" },
        new[] { "boeing", "b747", "b747-100" }, new[] { "airbus", "a320", "a320-200" }, new[] { "airbus", "a330", "a330-200" },
        new[] { "airbus", "a330", "a330-300" },
    });

    /// <summary>
    /// The reference's graph for a hierarchy read as one row per leaf (main.py, FGVC-Aircraft / Caltech-101 / Fruits-360):
    /// for every row an edge level 1 → level 2 and an edge level 2 → leaf, then DGL's add_self_loop. Parallel edges stay.
    /// </summary>
    static List<(int Src, int Dst)> ReferenceEdges(ClassHierarchy h)
    {
        var edges = new List<(int, int)>();
        for (int leaf = 0; leaf < h.LeafCount; leaf++)
        {
            var path = Enumerable.Range(1, h.Depth).Select(level => h.Node(level, h.AncestorAt(leaf, level)).Index).ToArray();
            for (int level = 0; level + 1 < path.Length; level++) edges.Add((path[level], path[level + 1]));
        }
        for (int n = 0; n < h.Nodes.Count; n++) edges.Add((n, n));
        return edges;
    }

    /// <summary>DGL's GATConv over an explicit edge list (one head): softmax over every incoming edge entry, duplicates included.</summary>
    static double[,] EdgeListGat(double[,] x, List<(int Src, int Dst)> edges, GatLayer layer)
    {
        var (w, src, dst, bias) = Graph.GatReference.Read(layer);
        int n = x.GetLength(0), inF = x.GetLength(1), outF = w.GetLength(0);
        var z = new double[n, outF];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < outF; o++)
                for (int k = 0; k < inF; k++) z[i, o] += w[o, k] * x[i, k];
        double Score(double[,] a, int i) { double s = 0; for (int o = 0; o < outF; o++) s += a[0, o] * z[i, o]; return s; }
        var result = new double[n, outF];
        for (int i = 0; i < n; i++)
        {
            var incoming = edges.Where(e => e.Dst == i).ToArray();
            var e = incoming.Select(edge => { double v = Score(dst, i) + Score(src, edge.Src); return v > 0 ? v : 0.2 * v; }).ToArray();
            double max = e.Max(), sum = e.Sum(v => Math.Exp(v - max));
            for (int k = 0; k < incoming.Length; k++)
                for (int o = 0; o < outF; o++) result[i, o] += Math.Exp(e[k] - max) / sum * z[incoming[k].Src, o];
            for (int o = 0; o < outF; o++) result[i, o] += bias[o];
        }
        return result;
    }

    static double Gelu(double v) => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)));

    static double Erf(double x)
    {
        // Numerical Recipes' erfc Chebyshev fit (|error| < 1.2e-7), enough for a 2e-5 comparison.
        double t = 1 / (1 + 0.5 * Math.Abs(x));
        double y = 1 - t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                   t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : -y;
    }

    [Theory]
    [InlineData(GraphAggregation.Gather)]
    [InlineData(GraphAggregation.Dense)]
    public void PerLeafEdgesGiveTheReferenceGraphEncoderOutput(GraphAggregation aggregation)
    {
        var h = ThreeLevels();
        manual_seed(5);
        using var scope = NewDisposeScope();
        using var adjacency = new LabelGraph(h).Adjacency(multiplicity: EdgeMultiplicity.PerLeaf);
        // b737 has three leaves: the boeing → b737 edge counts three times.
        int boeing = h.Node(1, 0).Index, b737 = h.Node(2, 0).Index;
        Assert.Equal(3f, adjacency[b737, boeing].item<float>());
        using var graph = new GraphNeighbours(adjacency, aggregation);
        using var encoder = new GraphEncoder(6);
        var x = randn(h.Nodes.Count, 6, dtype: ScalarType.Float64).to(ScalarType.Float32);
        double[,] actual;
        using (no_grad()) actual = Graph.GatReference.To2D(encoder.forward(x, graph));

        var edges = ReferenceEdges(h);
        var layers = encoder.Layers;
        var hidden = Graph.GatReference.To2D(x);
        for (int l = 0; l < layers.Count; l++)
        {
            hidden = EdgeListGat(hidden, edges, layers[l]);
            if (l < layers.Count - 1)
                for (int i = 0; i < hidden.GetLength(0); i++)
                    for (int j = 0; j < hidden.GetLength(1); j++) hidden[i, j] = Gelu(hidden[i, j]);
        }
        for (int i = 0; i < actual.GetLength(0); i++)
            for (int j = 0; j < actual.GetLength(1); j++)
                Assert.True(Math.Abs(actual[i, j] - hidden[i, j]) < 2e-5, $"node {i} dim {j}: {actual[i, j]} vs {hidden[i, j]}");

        // With one edge each the outputs differ: the multiplicity is not a no-op.
        using var single = new GraphNeighbours(new LabelGraph(h).Adjacency(), aggregation);
        using (no_grad())
            Assert.True(encoder.forward(x, single).sub(encoder.forward(x, graph)).abs().max().item<float>() > 1e-5);
    }

    [Fact]
    public void ADomainWordBeyondTheContextStaysInThePromptAsAFrozenToken()
    {
        using var scope = NewDisposeScope();
        var hierarchy = DataFixtures.TwoByTwo();
        var dir = ClipTinyFolder.Create(_tmp.File("clip"), hierarchy);
        using var clip = ClipModel.Load(dir);
        var tokenizer = ClipTokenizer.Load(dir);
        var options = PromptOptions.Shallow with { TextInit = "a photo of a car" };
        using var learner = new TextPromptLearner(clip, tokenizer, options);
        Assert.True(learner.InitialisedFromWords);
        var tokens = ClassPrompts.ContextTokens(tokenizer, hierarchy, options);
        // BOS, a photo of a (learned), car (frozen), the class name, ".", EOS.
        Assert.Equal(tokenizer.Encode("car")[0], tokens[0, 5].item<long>());

        using var mode = no_grad();
        var prompted = clip.EncodeText(tokens, learner.Prompts());
        var plain = clip.EncodeText(ClassPrompts.Tokens(tokenizer, ClassPrompts.TemplateTexts(hierarchy, "a photo of a car {name}.")));
        Assert.True((prompted - plain).abs().max().item<float>() < 1e-5);

        // Shorter than the context: refused (the reference would overwrite the class name); empty: a random context.
        var e = Assert.Throws<ArborException>(() => new TextPromptLearner(clip, tokenizer, options with { TextInit = "a photo" }));
        Assert.Contains("fewer than the 4 context tokens", e.Message);
        using var random = new TextPromptLearner(clip, tokenizer, options with { TextInit = "" });
        Assert.False(random.InitialisedFromWords);
        Assert.Equal(ClassPrompts.PlaceholderTokens(tokenizer, hierarchy, 4).shape, ClassPrompts.ContextTokens(tokenizer, hierarchy, options with { TextInit = "" }).shape);
    }

    [Fact]
    public void PlateauScheduleStepsAsPyTorchReduceLROnPlateau()
    {
        // torch 1.13: ReduceLROnPlateau(SGD(lr=3e-4), patience=5, mode="max", min_lr=1e-7), stepped on these scores.
        double[] scores = { 0.1, 0.2, 0.2, 0.19, 0.2, 0.2, 0.2, 0.2, 0.21, 0.21, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.20001, 0.2, 0.2, 0.2,
                            0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2 };
        double[] expected = { 3e-4, 3e-4, 3e-4, 3e-4, 3e-4, 3e-4, 3e-4, 2.9999999999999997e-05, 2.9999999999999997e-05,
            2.9999999999999997e-05, 2.9999999999999997e-05, 2.9999999999999997e-05, 2.9999999999999997e-05, 2.9999999999999997e-05,
            3e-06, 3e-06, 3e-06, 3e-06, 3e-06, 3e-06, 3.0000000000000004e-07, 3.0000000000000004e-07, 3.0000000000000004e-07,
            3.0000000000000004e-07, 3.0000000000000004e-07, 3.0000000000000004e-07, 1e-07, 1e-07 };
        var plateau = new PlateauSchedule(3e-4);
        var rates = scores.Select(s => { plateau.Step(s); return plateau.Rate; }).ToArray();
        Assert.Equal(expected, rates);
    }

    [Fact]
    public void ReferenceRecipeTakesTheDatasetsSettings()
    {
        var aircraft = TrainRun.Resolve(new RunConfig { Method = "hgclip", Dataset = "fgvc-aircraft", Recipe = "reference" });
        Assert.Equal(("a photo of an aircraft", "reference", "per-leaf", "plateau", "stretch"),
            (aircraft.TextInit, aircraft.HeadNormalization, aircraft.EdgeMultiplicity, aircraft.Schedule, aircraft.ClipPreprocessing));
        Assert.Equal((50, 64, "sgd", 3e-4, 1e-4, 0.0), (aircraft.Epochs!.Value, aircraft.BatchSize!.Value, aircraft.Optimizer, aircraft.LearningRate!.Value,
            aircraft.WeightDecay!.Value, aircraft.WarmupEpochs!.Value));
        var food = TrainRun.Resolve(new RunConfig { Method = "coop", Dataset = "/data/food-101", Recipe = "reference" });
        Assert.Equal(("a photo of a food", 1e-3, null), (food.TextInit, food.LearningRate!.Value, food.EdgeMultiplicity));
        var mine = TrainRun.Resolve(new RunConfig { Method = "hgclip", Dataset = "my-folder", Recipe = "reference", HeadNormalization = "cosine", Schedule = "cosine" });
        Assert.Equal(("a photo of a", "cosine", "one", "cosine"), (mine.TextInit, mine.HeadNormalization, mine.EdgeMultiplicity, mine.Schedule));
        // Arbor's recipe shares the reference's head and schedule (chosen by measurement) but not its text init, edges or
        // preprocessing.
        var arbor = TrainRun.Resolve(new RunConfig { Method = "hgclip", Dataset = "fgvc-aircraft" });
        Assert.Equal(("a photo of a", "reference", "one", "plateau"), (arbor.TextInit, arbor.HeadNormalization, arbor.EdgeMultiplicity, arbor.Schedule));
        Assert.Null(arbor.ClipPreprocessing);   // hf, filled when the CLIP folder is resolved
        Assert.Null(TrainRun.Resolve(new RunConfig { Method = "vpt" }).TextInit);

        var model = VisionLanguageMethods.ModelOptions(aircraft);
        Assert.Equal((HgclipNormalization.Reference, EdgeMultiplicity.PerLeaf, "a photo of an aircraft"),
            (model.Head.Normalization, model.EdgeMultiplicity, model.TextPrompt.TextInit));
    }

    [Theory]
    [InlineData("hgclip", "reference", "plateau")]
    [InlineData("coop", "reference", "plateau")]
    [InlineData("ivlp", "reference", "plateau")]
    [InlineData("kgcoop", null, "plateau")]     // no HGCLIP head, so no head normalisation
    [InlineData("linear-probe", null, null)]    // not a recipe method: the trainer's cosine decay
    [InlineData("hmlc", null, null)]
    public void ArborDefaultsAreTheMeasuredOnes(string method, string? head, string? schedule)
    {
        var c = TrainRun.Resolve(new RunConfig { Method = method });
        Assert.Equal((head, schedule), (c.HeadNormalization, c.Schedule));
        var kind = HgclipRecipe.ScheduleOf(c);
        Assert.Equal(schedule == "plateau" ? ScheduleKind.Plateau : ScheduleKind.Cosine, kind);
    }

    [Fact]
    public void AConfigWrittenBeforeTheHeadFieldKeepsTheCosineHeadItTrainedWith()
    {
        // Run folders from before `head_normalization` existed trained the cosine head; predicting from them must rebuild
        // that head, whatever today's default is.
        var old = new RunConfig { Method = "hgclip", Dataset = "fashion-mnist" };
        Assert.Equal(HgclipNormalization.Cosine, VisionLanguageMethods.ModelOptions(old).Head.Normalization);
        var now = TrainRun.Resolve(old);
        Assert.Equal(HgclipNormalization.Reference, VisionLanguageMethods.ModelOptions(now).Head.Normalization);
    }

    [Theory]
    [InlineData("vpt", "text-init", "--text-init applies to hgclip, coop, ivlp")]
    [InlineData("coop", "edges", "--edge-multiplicity applies to hgclip")]
    [InlineData("hmlc", "normalization", "--head-normalization applies to hgclip, coop, vpt, ivlp")]
    [InlineData("hgclip", "schedule", "--schedule must be one of cosine, plateau")]
    [InlineData("linear-probe", "recipe", "--recipe reference is defined for")]
    public void OptionsThatDoNotApplyAreRefused(string method, string option, string message)
    {
        var c = new RunConfig { Method = method };
        c = option switch
        {
            "text-init" => c with { TextInit = "a photo of a" },
            "edges" => c with { EdgeMultiplicity = "per-leaf" },
            "normalization" => c with { HeadNormalization = "reference" },
            "schedule" => c with { Schedule = "step" },
            _ => c with { Recipe = "reference" },
        };
        Assert.Contains(message, Assert.Throws<ArborException>(() => TrainRun.Resolve(c)).Message);
    }
}
