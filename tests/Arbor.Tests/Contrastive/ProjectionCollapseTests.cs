using Arbor.Data;
using Arbor.Experiments;
using Arbor.Methods.Contrastive;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

/// <summary>
/// The collapsed-projection watch: its statistic against the brute-force mean over pairs, its threshold and once-per-run
/// warning, the hint each objective gets, and the whole path from a collapsed projection head through
/// <see cref="ContrastiveTask"/> and <see cref="Trainer"/> to the line a person sees.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public class ProjectionCollapseTests
{
    /// <summary>Mean cosine over ordered pairs of distinct rows, the slow way.</summary>
    static double BruteForceMeanCosine(Tensor z)
    {
        using var scope = NewDisposeScope();
        var rows = nn.functional.normalize(z.reshape(-1, z.shape[^1]).to(ScalarType.Float64), dim: 1);
        long m = rows.shape[0];
        var cosines = rows.matmul(rows.t());
        return ((cosines.sum().item<double>() - cosines.diagonal().sum().item<double>()) / (m * (m - 1)));
    }

    [Fact]
    public void MeanCosineMatchesTheMeanOverPairsForRowsOfAnyNorm()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        // A shared direction plus noise, rows of different lengths, [N, V, D] like the task's z.
        var z = (randn(new long[] { 1, 1, 16 }, generator: generator) + 0.7 * randn(new long[] { 12, 2, 16 }, generator: generator))
                * (rand(new long[] { 12, 2, 1 }, generator: generator) + 0.5);
        var watch = new ProjectionCollapse();
        watch.Observe(z);
        Assert.Equal(BruteForceMeanCosine(z), watch.MeanCosine!.Value, 12);
        Assert.InRange(watch.MeanCosine!.Value, 0.3, 0.95);
    }

    [Fact]
    public void AnEpochIsTheMeanOfItsBatchesAndResetStartsOver()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var a = randn(new long[] { 8, 2, 4 }, generator: generator);
        var b = randn(new long[] { 8, 2, 4 }, generator: generator) + 2.0;
        var watch = new ProjectionCollapse();
        Assert.Null(watch.MeanCosine);
        watch.Observe(a);
        watch.Observe(b);
        Assert.Equal((BruteForceMeanCosine(a) + BruteForceMeanCosine(b)) / 2, watch.MeanCosine!.Value, 12);
        watch.Reset();
        Assert.Null(watch.MeanCosine);
        watch.Observe(ones(1, 1, 4));   // one row has no pairs: ignored
        Assert.Null(watch.MeanCosine);
    }

    [Fact]
    public void SpreadOutEmbeddingsGiveNoWarning()
    {
        using var scope = NewDisposeScope();
        var watch = new ProjectionCollapse();
        watch.Observe(randn(new long[] { 256, 2, 128 }, generator: new Generator(1)));
        Assert.InRange(watch.MeanCosine!.Value, -0.01, 0.01);
        Assert.Null(watch.Warning(0, "hint"));
    }

    [Fact]
    public void ACollapsedEpochWarnsOnceNamingTheEpochTheCosineAndTheHint()
    {
        using var scope = NewDisposeScope();
        var point = randn(new long[] { 1, 1, 32 }, generator: new Generator(2));
        var nearlyOne = point + 1e-3 * randn(new long[] { 64, 2, 32 }, generator: new Generator(3));
        var watch = new ProjectionCollapse();
        watch.Observe(nearlyOne);
        Assert.True(watch.MeanCosine > ProjectionCollapse.Threshold);
        var warning = watch.Warning(2, "Try X.");
        Assert.NotNull(warning);
        Assert.Contains("collapsed at epoch 3", warning);
        Assert.Contains(" is " + watch.MeanCosine!.Value.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) + " (", warning);
        Assert.EndsWith("Try X.", warning);
        watch.Reset();
        watch.Observe(nearlyOne);
        Assert.Null(watch.Warning(3, "Try X."));   // once per run: the log is not flooded every epoch
    }

    [Fact]
    public void JustBelowTheThresholdIsNotCollapsed()
    {
        using var scope = NewDisposeScope();
        // Two tight clusters at cosine 0.97 from each other: the mean over pairs is below 0.99.
        var u = tensor(new double[] { 1, 0 });
        var v = tensor(new double[] { 0.97, Math.Sqrt(1 - 0.97 * 0.97) });
        var z = stack(new[] { u, v, u, v, u, v }).view(3, 2, 2);
        var watch = new ProjectionCollapse();
        watch.Observe(z);
        Assert.InRange(watch.MeanCosine!.Value, 0.97, 0.99);
        Assert.Null(watch.Warning(0, "hint"));
    }

    [Theory]
    [InlineData(HmlcVariant.HiConE, HiConEForm.Pairwise, true)]
    [InlineData(HmlcVariant.HiMulConE, HiConEForm.Pairwise, true)]
    [InlineData(HmlcVariant.HiMulConE, HiConEForm.BatchMean, false)]
    [InlineData(HmlcVariant.HiMulCon, HiConEForm.Pairwise, false)]
    public void OnlyThePerPairConstraintIsNamed(HmlcVariant variant, HiConEForm form, bool named)
    {
        using var loss = new HmlcLoss(variant, new ContrastiveOptions { HiConEForm = form });
        Assert.Equal(named, loss.AppliesPairwiseHiConE);
        using var masked = new GHmlcLoss(3, 8, new ContrastiveOptions { HiConEForm = form, FeatureMethodsConstraint = variant != HmlcVariant.HiMulCon });
        Assert.Equal(named, masked.AppliesPairwiseHiConE);
    }

    /// <summary>Trains <paramref name="method"/> for two epochs with a projection head whose output is a constant (zero
    /// weight, unit bias: every image at the same point) and returns what the trainer wrote for a person.</summary>
    static string TrainCollapsed(string method, HiConEForm form)
    {
        const int Images = 16, Side = 8;
        var pixels = new byte[Images * Side * Side];
        new Random(3).NextBytes(pixels);
        var data = new InMemoryImageDataset("noise", Arbor.Tests.Data.DataFixtures.TwoByTwo(), pixels, 1, Side, Side,
            Enumerable.Range(0, Images).Select(i => i % 4).ToArray(), "noise", Normalization.None);
        using var model = new ImageMethodModel(method, Arbor.Tests.Data.DataFixtures.TwoByTwo(), "resnet20", 1, new ContrastiveOptions { HiConEForm = form });
        using (no_grad())
            foreach (var (name, p) in model.Projection!.named_parameters())
                if (name.StartsWith("output.", StringComparison.Ordinal)) p.fill_(name.EndsWith("bias", StringComparison.Ordinal) ? 1 : 0);
        var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 8, Seed = 1, DropLast = true, Prefetch = 0, Views = 2 });
        var text = new StringWriter();
        var trainer = new Trainer(new TrainerOptions { Epochs = 2, Optimizer = "sgd", LearningRate = 1e-9, Seed = 1 },
            new ProgressReporter(text, interactive: false) { PlainInterval = TimeSpan.FromHours(1) });
        trainer.Fit(new ContrastiveTask(model), loader);
        return text.ToString();
    }

    [Fact]
    public void ACollapsedRunSaysSoOnceWithTheFixForItsObjective()
    {
        var pairwise = TrainCollapsed("himulcone", HiConEForm.Pairwise);
        var warnings = pairwise.Split('\n').Where(l => l.StartsWith("warning: the projection has collapsed", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("collapsed at epoch 1:", warnings[0]);
        Assert.Contains("--hicone batch-mean", warnings[0]);

        var plain = TrainCollapsed("hmlc", HiConEForm.Pairwise);
        Assert.Contains("warning: the projection has collapsed at epoch 1", plain);
        Assert.Contains("lower --lr", plain);
        Assert.DoesNotContain("--hicone", plain);
    }
}
