using Arbor.Data;
using Arbor.Experiments;
using Arbor.Methods.Contrastive;
using Arbor.Training;
using TorchSharp;
using static Arbor.Tests.Contrastive.ContrastTestData;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

/// <summary>The contrastive options of `arbor train` and the HMLC reference recipe: resolution, and what each option does to the loss.</summary>
public class ContrastiveRecipeTests
{
    static long[][] RandomLabels(int n, int seed)
    {
        // Three levels: 2 coarse × 2 types × 2 items, drawn so that prefixes repeat in the batch.
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ =>
        {
            int a = random.Next(2), b = random.Next(2), c = random.Next(2);
            return new long[] { a, a * 2 + b, (a * 2 + b) * 2 + c };
        }).ToArray();
    }

    static double HmlcLoss(HmlcVariant variant, ContrastiveOptions options, double[][][] z, long[][] labels)
    {
        using var loss = new HmlcLoss(variant, options);
        return loss.Loss(ToTensor(z), Labels(labels)).item<double>();
    }

    [Theory]
    [InlineData(HmlcVariant.HiMulConE, "hmce", 1)]
    [InlineData(HmlcVariant.HiMulCon, "hmc", 2)]
    [InlineData(HmlcVariant.HiConE, "hce", 3)]
    [InlineData(HmlcVariant.HiMulConE, "hmce", 4)]
    public void ReferenceRecipeLossEqualsThePortOfTheReferenceCode(HmlcVariant variant, string lossType, int seed)
    {
        var z = RandomUnit(12, 2, 6, seed);
        var labels = RandomLabels(12, seed);
        var config = ContrastiveRecipe.Resolve(TrainRun.Resolve(new RunConfig
        {
            Method = variant switch { HmlcVariant.HiMulCon => "hmlc", HmlcVariant.HiConE => "hicone", _ => "himulcone" },
            Recipe = "reference",
        }));
        var options = ContrastiveRecipe.ObjectiveOptions(config);
        double expected = ReferenceHmlc.Loss(z, labels.Select(r => r.Select(v => (int)v).ToArray()).ToArray(), lossType, 0.1);
        Assert.Equal(expected, HmlcLoss(variant, options, z, labels), 9);
    }

    [Fact]
    public void LossScalesDivideTheWeightedSumAsDefined()
    {
        var z = RandomUnit(10, 2, 5, 7);
        var labels = RandomLabels(10, 7);
        double levels = HmlcLoss(HmlcVariant.HiMulCon, new ContrastiveOptions(), z, labels);
        double lambdaSum = Math.Exp(1) + Math.Exp(1 / 2.0) + Math.Exp(1 / 3.0);
        Assert.Equal(levels * 3 / lambdaSum, HmlcLoss(HmlcVariant.HiMulCon, new ContrastiveOptions { LossScale = LossScale.Normalised }, z, labels), 9);
        Assert.Equal(levels * 3 / 4, HmlcLoss(HmlcVariant.HiMulCon, new ContrastiveOptions { LossScale = LossScale.Reference }, z, labels), 9);
        // HiConE has unit weights: normalised equals the per-level mean.
        double hicone = HmlcLoss(HmlcVariant.HiConE, new ContrastiveOptions(), z, labels);
        Assert.Equal(hicone, HmlcLoss(HmlcVariant.HiConE, new ContrastiveOptions { LossScale = LossScale.Normalised }, z, labels), 9);
    }

    [Fact]
    public void InverseFrequencyOnHmlcWeighsClassesEqually()
    {
        // One level, one view-pair per sample: with weights each class contributes equally, so the loss is the mean over
        // classes of the class-mean anchor loss; without, the mean over anchors.
        var z = RandomUnit(6, 2, 4, 3);
        long[][] labels = { new long[] { 0 }, new long[] { 0 }, new long[] { 0 }, new long[] { 0 }, new long[] { 1 }, new long[] { 1 } };
        double Anchor(int sample)
        {
            using var weights = zeros(6, dtype: ScalarType.Float64);
            weights[sample] = tensor(1.0);
            // The per-anchor loss through SupCon's sample weights (same kernel, one non-zero weight).
            using var supcon = new SupConLoss(new ContrastiveOptions());
            return supcon.Loss(ToTensor(z), Labels(labels), null, weights).item<double>();
        }
        var perSample = Enumerable.Range(0, 6).Select(Anchor).ToArray();
        double byClass = (perSample.Take(4).Average() + perSample.Skip(4).Average()) / 2;
        Assert.Equal(perSample.Average(), HmlcLoss(HmlcVariant.HiConE, new ContrastiveOptions(), z, labels), 9);
        Assert.Equal(byClass, HmlcLoss(HmlcVariant.HiConE, new ContrastiveOptions { InverseFrequency = true }, z, labels), 9);
    }

    [Fact]
    public void DetachedMaskInputStopsTheSecondGradientPath()
    {
        var z = ToTensor(RandomUnit(6, 2, 4, 5)).to(ScalarType.Float32);
        var labels = Labels(RandomLabels(6, 5));
        foreach (bool detach in new[] { false, true })
        {
            manual_seed(1);
            using var loss = new AHmlcLoss(3, 4, 5, new ContrastiveOptions { DetachMaskInput = detach });
            using var features = randn(6, 2, 5).requires_grad_(true);
            loss.Loss(z, labels, features).backward();
            bool flows = features.grad is { } g && g.abs().sum().item<float>() > 0;
            Assert.Equal(!detach, flows);
            // The heads still learn either way.
            Assert.All(loss.parameters(), p => Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0));
        }
    }

    [Fact]
    public void ReferenceRecipeFillsTheReferenceValuesAndExplicitOptionsWin()
    {
        var c = TrainRun.Resolve(new RunConfig { Method = "himulcone", Recipe = "reference" });
        Assert.Equal(("batch-mean", true, false, false, "hierarchical"), (c.HiConE, c.ReducePrefixes, c.InstanceLevel, c.InverseFrequency, c.Sampler));
        Assert.Equal((0.8, 0.2, 0.1, 0.2), (c.JitterP!.Value, c.GrayscaleP!.Value, c.Hue!.Value, c.CropScaleMin!.Value));
        Assert.Equal(("reference", "reference"), (c.LossScale, c.ProbeRecipe));
        Assert.Equal((100, 512, "sgd", 0.5, 1e-4, 10.0, 0.1, 100),
            (c.Epochs!.Value, c.BatchSize!.Value, c.Optimizer, c.LearningRate!.Value, c.WeightDecay!.Value, c.WarmupEpochs!.Value, c.Temperature!.Value, c.ProbeEpochs!.Value));

        var overridden = TrainRun.Resolve(new RunConfig { Method = "hmlc", Recipe = "reference", Epochs = 3, Sampler = "random", JitterP = 1 });
        Assert.Equal((3, "random", 1.0), (overridden.Epochs!.Value, overridden.Sampler, overridden.JitterP!.Value));
        Assert.Null(overridden.HiConE);   // hmlc has no constraint to shape

        var arbor = TrainRun.Resolve(new RunConfig { Method = "g-hmlc" });
        Assert.Equal((true, false, 1, "random", 1.0, 0.8, "levels", "arbor"),
            (arbor.InverseFrequency!.Value, arbor.MaskConstraint!.Value, arbor.RefitEvery!.Value, arbor.Sampler, arbor.JitterP!.Value,
             arbor.CropScaleMin!.Value, arbor.LossScale, arbor.ProbeRecipe));
        Assert.Null(TrainRun.Resolve(new RunConfig { Method = "ce" }).JitterP);
    }

    [Theory]
    [InlineData("supcon", "reference", null, "--recipe reference is defined for hmlc, hicone, himulcone, hgclip")]
    [InlineData("g-hmlc", "reference", null, "--recipe reference is defined for")]
    [InlineData("ce", null, "mask-width", "--mask-width applies to contrastive methods, not to ce")]
    [InlineData("hmlc", null, "mask-width", "--mask-width applies to a-hmlc, not to hmlc")]
    [InlineData("hmlc", null, "refit", "--refit-every applies to g-hmlc, not to hmlc")]
    [InlineData("hmlc", null, "hicone", "--hicone applies to hicone, himulcone")]
    [InlineData("supcon", null, "reduce", "--reduce-prefixes applies to the multi-level methods")]
    [InlineData("hmlc", null, "jitter", "--jitter-p must be in [0, 1]")]
    [InlineData("hmlc", null, "sampler", "--sampler must be one of random, hierarchical")]
    [InlineData("hmlc", "paper", null, "--recipe must be one of arbor, reference")]
    public void OptionsThatDoNotApplyAreRefused(string method, string? recipe, string? option, string message)
    {
        var c = new RunConfig { Method = method, Recipe = recipe };
        c = option switch
        {
            "mask-width" => c with { MaskWidth = 4 },
            "refit" => c with { RefitEvery = 2 },
            "hicone" => c with { HiConE = "pairwise" },
            "reduce" => c with { ReducePrefixes = true },
            "jitter" => c with { JitterP = 1.5 },
            "sampler" => c with { Sampler = "balanced" },
            _ => c,
        };
        var e = Assert.Throws<ArborException>(() => TrainRun.Resolve(c));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MaskConstraintMakesTheHiConEFormAvailableToTheFeatureMethods()
    {
        var c = TrainRun.Resolve(new RunConfig { Method = "a-hmlc", MaskConstraint = true, HiConE = "batch-mean", DetachMaskInput = true, MaskWidth = 7 });
        var o = ContrastiveRecipe.ObjectiveOptions(c);
        Assert.Equal((true, HiConEForm.BatchMean, true, 7), (o.FeatureMethodsConstraint, o.HiConEForm, o.DetachMaskInput, o.MaskHiddenDim));
    }

    [Fact]
    public void JitterProbabilityLeavesTheOtherSamplesUntouched()
    {
        using var images = rand(64, 3, 8, 8, generator: new Generator(3));
        Tensor Run(double p) => new BatchAugmentation { FlipProbability = 0, Brightness = 0.4, Contrast = 0.4, Saturation = 0.4, Hue = 0.1, JitterProbability = p }
            .Apply(images, new Generator(11));
        using var never = Run(0);
        Assert.True(never.allclose(images, 1e-5, 1e-5));
        using var always = Run(1);
        using var half = Run(0.5);
        var changed = (Tensor t) => t.sub(images).abs().amax(new long[] { 1, 2, 3 }).gt(1e-4);
        Assert.Equal(64, changed(always).sum().item<long>());
        long some = changed(half).sum().item<long>();
        Assert.InRange(some, 20, 44);   // Binomial(64, 0.5): ±3σ
    }

    [Fact]
    public void HueShiftRotatesTheColourWheel()
    {
        // Pure red, green, blue and a grey pixel; shifting by 1/3 turns red → green → blue → red, grey stays grey.
        using var x = tensor(new float[] { 1, 0, 0, 0.5f, 0, 1, 0, 0.5f, 0, 0, 1, 0.5f }).view(1, 3, 1, 4);
        using var shifted = BatchAugmentation.ShiftHue(x, tensor(new float[] { 1 / 3f }));
        var expected = tensor(new float[] { 0, 0, 1, 0.5f, 1, 0, 0, 0.5f, 0, 1, 0, 0.5f }).view(1, 3, 1, 4);
        Assert.True(shifted.allclose(expected, 1e-5, 1e-5), "hue shift of pure colours");
        // A zero shift is the identity on any image (RGB → HSV → RGB round trip).
        using var random = rand(4, 3, 5, 5, generator: new Generator(2));
        using var same = BatchAugmentation.ShiftHue(random, zeros(4));
        Assert.True(same.allclose(random, 1e-5, 1e-5));
    }

    [Fact]
    public void ReferenceProbeUsesTheStepSchedule()
    {
        var o = LinearProbeTrainer.Options.Reference();
        var cosine = new LearningRateSchedule(o.LearningRate, 100 * 10);
        Assert.Equal(0.1, o.RateAt(0, 10, cosine), 12);
        Assert.Equal(0.1, o.RateAt(299, 10, cosine), 12);
        Assert.Equal(0.02, o.RateAt(300, 10, cosine), 12);
        Assert.Equal(0.1 * 0.2 * 0.2 * 0.2, o.RateAt(999, 10, cosine), 12);
        Assert.True(o.SumLevelLosses);
    }

    [Fact]
    public void SamplerOptionReachesTheLoader()
    {
        var c = TrainRun.Resolve(new RunConfig { Method = "hmlc", Sampler = "hierarchical" });
        Assert.Equal(SamplerKind.Hierarchical, ContrastiveRecipe.SamplerOf(c));
        Assert.Equal(SamplerKind.Random, ContrastiveRecipe.SamplerOf(TrainRun.Resolve(new RunConfig { Method = "ce" })));
    }

    [Fact]
    public void TrainHelpListsEveryContrastiveOption()
    {
        var (code, output, _) = CliHarness.Run("train", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--recipe", "--hicone", "--reduce-prefixes", "--instance-level", "--inverse-frequency", "--mask-constraint",
                     "--refit-every", "--mask-width", "--detach-mask-input", "--sampler", "--jitter-p", "--grayscale-p", "--loss-scale" })
            Assert.Contains(option, output);
    }
}
