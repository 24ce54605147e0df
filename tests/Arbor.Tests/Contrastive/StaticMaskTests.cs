using Arbor.Methods.Contrastive;
using Arbor.Training;
using TorchSharp;
using static Arbor.Tests.Contrastive.ContrastTestData;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

/// <summary>
/// A-HMLC with static masks (<see cref="MaskHeadKind.Static"/>): one learned vector σ(θ_h) per level, the same for every
/// sample — the equal-capacity control for G-HMLC's hard masks.
/// </summary>
public class StaticMaskTests
{
    static readonly ContrastiveOptions Static = new() { MaskHeads = MaskHeadKind.Static };

    static readonly long[][] TwoLevels =
    {
        new long[] { 0, 0 }, new long[] { 0, 0 }, new long[] { 0, 1 }, new long[] { 1, 2 }, new long[] { 1, 3 }, new long[] { 1, 3 },
    };

    /// <summary>θ [H, D] with known values: level h, dimension d → (h + 1)·(d − 1.5)/2.</summary>
    static double[][] KnownTheta(int levels, int dims) => Enumerable.Range(0, levels)
        .Select(h => Enumerable.Range(0, dims).Select(d => (h + 1) * (d - 1.5) / 2).ToArray()).ToArray();

    static void SetTheta(AHmlcLoss loss, double[][] theta)
    {
        var p = loss.parameters().Single();
        using var values = tensor(theta.SelectMany(r => r).ToArray(), dtype: p.dtype).view(theta.Length, theta[0].Length);
        using (no_grad()) p.copy_(values);
    }

    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void MasksStartAtOneHalfAndAreSigmoidOfThetaForEverySample()
    {
        using var scope = NewDisposeScope();
        using var loss = new AHmlcLoss(3, 4, 5, Static);
        loss.to(ScalarType.Float64);
        var features = randn(6, 2, 5, dtype: ScalarType.Float64);
        Assert.All(loss.Masks(features), m => Assert.True(m.eq(0.5).all().item<bool>()));

        var theta = KnownTheta(3, 4);
        SetTheta(loss, theta);
        var masks = loss.Masks(features);
        Assert.Equal(3, masks.Length);
        for (int h = 0; h < 3; h++)
        {
            Assert.Equal(new long[] { 6, 2, 4 }, masks[h].shape);
            for (int n = 0; n < 6; n++)
                for (int v = 0; v < 2; v++)
                    for (int d = 0; d < 4; d++)
                        Assert.Equal(Sigmoid(theta[h][d]), masks[h][n, v, d].item<double>(), 12);
        }
        // The values of the features do not matter, only their leading shape.
        var other = loss.Masks(randn(3, 5, dtype: ScalarType.Float64) * 100);
        Assert.Equal(new long[] { 3, 4 }, other[1].shape);
        Assert.True(other[1].eq(masks[1][0, 0]).all().item<bool>());
    }

    [Fact]
    public void ThetaIsTheOnlyParameterAndHasTheShapeOfGHmlcMasks()
    {
        using var loss = new AHmlcLoss(3, 8, 16, Static);
        var parameters = loss.parameters().ToList();
        Assert.Single(parameters);
        Assert.Equal(3 * 8, parameters.Sum(p => p.numel()));
        using var g = new GHmlcLoss(3, 8);
        using var hard = g.Masks;
        Assert.Equal(hard.shape, parameters[0].shape);
        Assert.Equal(new[] { "mask_logits" }, loss.state_dict().Keys);
        Assert.Equal(MaskHeadKind.Static, loss.MaskHeads);
    }

    [Fact]
    public void AttentionHeadsKeepTheirCheckpointKeys()
    {
        // Runs saved before static masks existed must still load: the attention variant's keys are unchanged.
        using var loss = new AHmlcLoss(2, 4, 5);
        Assert.Equal(MaskHeadKind.Attention, loss.MaskHeads);
        Assert.Equal(new[] { "mask_heads.0.0.bias", "mask_heads.0.0.weight", "mask_heads.0.2.bias", "mask_heads.0.2.weight" },
            loss.state_dict().Keys.Where(k => k.StartsWith("mask_heads.0.", StringComparison.Ordinal)).Order());
        Assert.DoesNotContain("mask_logits", loss.state_dict().Keys);
    }

    [Fact]
    public void GradientsReachThetaAndNotTheBackboneFeature()
    {
        using var scope = NewDisposeScope();
        using var loss = new AHmlcLoss(3, 4, 5, Static);
        SetTheta(loss, KnownTheta(3, 4));
        var z = ToTensor(RandomUnit(6, 2, 4, 5)).to(ScalarType.Float32).requires_grad_(true);
        var features = randn(6, 2, 5).requires_grad_(true);
        loss.Loss(z, Labels(ContrastTestData.ThreeLevels), features).backward();
        var grad = loss.parameters().Single().grad;
        Assert.NotNull(grad);
        for (int h = 0; h < 3; h++)
            Assert.True(grad![h].abs().sum().item<float>() > 0, $"no gradient reaches θ of level {h + 1}");
        Assert.True(z.grad is { } gz && gz.abs().sum().item<float>() > 0);
        // A static mask reads no feature: the backbone learns only through z.
        Assert.True(features.grad is null || features.grad.abs().sum().item<float>() == 0);
    }

    [Fact]
    public void AStepOfGradientDescentLowersTheLoss()
    {
        using var scope = NewDisposeScope();
        using var loss = new AHmlcLoss(2, 4, 5, Static);
        loss.to(ScalarType.Float64);
        var z = ToTensor(RandomUnit(6, 2, 4, 9));
        var labels = Labels(TwoLevels);
        SetTheta(loss, KnownTheta(2, 4));
        var before = loss.Loss(z, labels);
        before.backward();
        var theta = loss.parameters().Single();
        using (no_grad()) theta.sub_(theta.grad! * 0.1);
        var after = loss.Loss(z, labels);
        Assert.True(after.item<double>() < before.item<double>(), $"{after.item<double>()} ≥ {before.item<double>()}");
    }

    [Theory]
    [InlineData(40.0)]   // σ(40) = 1 in float64: the masks are all ones
    [InlineData(0.0)]    // the initial θ: a uniform mask, which normalisation makes the same as no mask
    [InlineData(-3.0)]
    public void UniformMasksGiveInverseFrequencyHiMulCon(double value)
    {
        // Mirrors BeforeTheFirstRefitGHmlcIsInverseFrequencyHiMulCon: G-HMLC with all-ones masks is this same loss.
        using var scope = NewDisposeScope();
        var z = ToTensor(RandomUnit(6, 2, 4, 8));
        using var loss = new AHmlcLoss(2, 4, 5, Static);
        loss.to(ScalarType.Float64);
        SetTheta(loss, Enumerable.Range(0, 2).Select(_ => Enumerable.Repeat(value, 4).ToArray()).ToArray());
        using var himulcon = new HmlcLoss(HmlcVariant.HiMulCon, new ContrastiveOptions { InverseFrequency = true });
        using var ghmlc = new GHmlcLoss(2, 4);
        double expected = himulcon.Loss(z, Labels(TwoLevels)).item<double>();
        Assert.Equal(expected, loss.Loss(z, Labels(TwoLevels), randn(6, 2, 5, dtype: ScalarType.Float64)).item<double>(), 10);
        Assert.Equal(expected, loss.Loss(z, Labels(TwoLevels)).item<double>(), 10);
        Assert.Equal(expected, ghmlc.Loss(z, Labels(TwoLevels)).item<double>(), 10);
    }

    [Fact]
    public void EachLevelContrastsUnderItsOwnMask()
    {
        // Mirrors AHmlcContrastsEachLevelUnderItsSoftMask, against the naive loop with hand-computed σ(θ_h).
        using var scope = NewDisposeScope();
        using var loss = new AHmlcLoss(2, 4, 5, Static);
        loss.to(ScalarType.Float64);
        var theta = KnownTheta(2, 4);
        SetTheta(loss, theta);
        var z = RandomUnit(6, 2, 4, 13);
        double[][][] Masked(int level) => z.Select(s => s.Select(v =>
            NaiveContrast.Unit(v.Select((x, d) => x * Sigmoid(theta[level][d])).ToArray())).ToArray()).ToArray();
        double expected = NaiveContrast.Loss(z, NaiveContrast.Levels(TwoLevels), expWeights: true, inverseFrequency: true,
            perLevelZ: new[] { Masked(0), Masked(1) });
        Assert.Equal(expected, loss.Loss(ToTensor(z), Labels(TwoLevels)).item<double>(), 9);
        // …which differs from the unmasked loss, so the masks do something.
        using var himulcon = new HmlcLoss(HmlcVariant.HiMulCon, new ContrastiveOptions { InverseFrequency = true });
        Assert.NotEqual(expected, himulcon.Loss(ToTensor(z), Labels(TwoLevels)).item<double>(), 6);
    }

    [Fact]
    public void ThetaTravelsWithTheStateDictAndTheCheckpointFile()
    {
        using var scope = NewDisposeScope();
        using var trained = new AHmlcLoss(3, 4, 5, Static);
        SetTheta(trained, KnownTheta(3, 4));
        var features = randn(2, 2, 5);
        var expected = trained.Masks(features);

        using var fresh = new AHmlcLoss(3, 4, 5, Static);
        fresh.load_state_dict(trained.state_dict());
        Assert.All(fresh.Masks(features).Zip(expected), p => Assert.True(p.First.eq(p.Second).all().item<bool>()));

        using var tmp = TestPaths.NewTempFolder();
        var identity = new CheckpointIdentity("a-hmlc", "static-masks", "test");
        Checkpoint.Save(tmp.File("model.safetensors"), trained, identity);
        using var loaded = new AHmlcLoss(3, 4, 5, Static);
        Checkpoint.Load(tmp.File("model.safetensors"), loaded, identity);
        Assert.All(loaded.Masks(features).Zip(expected), p => Assert.True(p.First.eq(p.Second).all().item<bool>()));

        // A static state does not silently load into attention heads (or the other way round).
        using var attention = new AHmlcLoss(3, 4, 5);
        Assert.ThrowsAny<Exception>(() => attention.load_state_dict(trained.state_dict()));
    }

    [Fact]
    public void StaticMasksNeedNoFeaturesButCheckTheirShape()
    {
        using var scope = NewDisposeScope();
        using var loss = new AHmlcLoss(2, 4, 5, Static);
        var z = ToTensor(RandomUnit(6, 2, 4, 3)).to(ScalarType.Float32);
        Assert.True(double.IsFinite(loss.Loss(z, Labels(TwoLevels)).item<float>()));
        Assert.Throws<ArgumentException>(() => loss.Loss(z, Labels(TwoLevels), randn(6, 2, 7)));
        Assert.Throws<ArgumentException>(() => loss.Loss(z, Labels(ContrastTestData.ThreeLevels)));
    }

    [Theory]
    [InlineData(6, false)]
    [InlineData(0, true)]
    public void OptionsOfTheAttentionHeadsAreRefusedWithStaticMasks(int hidden, bool detach)
    {
        var e = Assert.Throws<ArborException>(() =>
            new AHmlcLoss(2, 4, 5, Static with { MaskHiddenDim = hidden, DetachMaskInput = detach }));
        Assert.Contains("static level masks", e.Message);
        Assert.Throws<ArborException>(() => new AHmlcLoss(2, 4, 5, new ContrastiveOptions { MaskHeads = (MaskHeadKind)7 }));
    }
}
