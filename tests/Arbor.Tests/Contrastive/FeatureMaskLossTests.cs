using Arbor.Hierarchy;
using Arbor.Methods.Contrastive;
using TorchSharp;
using static Arbor.Tests.Contrastive.ContrastTestData;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

public class FeatureMaskLossTests
{
    static readonly long[][] TwoLevels =
    {
        new long[] { 0, 0 }, new long[] { 0, 0 }, new long[] { 0, 1 }, new long[] { 1, 2 }, new long[] { 1, 3 }, new long[] { 1, 3 },
    };

    /// <summary>
    /// 400 samples over 2 coarse × 2 fine classes (leaf ids 0..3, coarse = leaf / 2). Dimensions 0–7 carry the coarse
    /// class (±1), dimensions 8–15 which child of its parent a sample is (±1, independent of the coarse class), plus
    /// N(0, 0.3²) noise; <paramref name="noiseDims"/> extra dimensions are pure noise.
    /// </summary>
    static (Tensor features, Tensor labels) Planted(int noiseDims = 0, int seed = 0)
    {
        var g = new torch.Generator((ulong)seed);
        var leaf = torch.arange(400) % 4;
        var coarse = leaf.div(2, rounding_mode: RoundingMode.floor);
        var child = leaf % 2;
        var coarseSignal = (coarse * 2 - 1).to(ScalarType.Float32).unsqueeze(1).expand(400, 8);
        var childSignal = (child * 2 - 1).to(ScalarType.Float32).unsqueeze(1).expand(400, 8);
        var signal = torch.cat(new[] { coarseSignal, childSignal, torch.zeros(400, noiseDims) }, 1);
        var features = signal + 0.3f * torch.randn(400, 16 + noiseDims, generator: g);
        return (features, torch.stack(new[] { coarse, leaf }, 1));
    }

    [Fact]
    public void GainsSeparateCoarseFromFineDimensions()
    {
        using var scope = NewDisposeScope();
        var (features, labels) = Planted();
        var ratios = FeatureLevelIdentifier.CorrelationRatios(features, labels);
        var gains = FeatureLevelIdentifier.LevelGains(ratios);
        // η² of a ±1 signal with noise σ = 0.3 is 1 / (1 + 0.09) ≈ 0.917 at the level that carries it.
        for (int d = 0; d < 8; d++)
        {
            Assert.InRange(ratios[d][0], 0.88, 0.95);
            Assert.InRange(gains[d][1], 0, 0.02);
        }
        for (int d = 8; d < 16; d++)
        {
            Assert.InRange(ratios[d][0], 0, 0.02);
            Assert.InRange(gains[d][1], 0.88, 0.95);
        }
        // Fine classes refine coarse ones, so η² never decreases with depth.
        Assert.All(ratios, r => Assert.True(r[1] >= r[0] - 1e-12));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void MasksRecoverPlantedLevelDimensions(int noiseDims)
    {
        using var scope = NewDisposeScope();
        var (features, labels) = Planted(noiseDims);
        using var loss = new GHmlcLoss(2, 16 + noiseDims);
        var fit = loss.Refit(features, labels);
        var masks = loss.Masks;
        var level1 = fit.DimensionsOf(0);
        var level2 = fit.DimensionsOf(1);
        Assert.Equal(Enumerable.Range(0, 8), level1.Where(d => d < 16));
        Assert.Equal(Enumerable.Range(8, 8), level2.Where(d => d < 16));
        Assert.Equal(8, (int)masks[0, ..8].sum().item<float>());
        Assert.Equal(0, (int)masks[0, 8..16].sum().item<float>());
        Assert.Equal(8, (int)masks[1, 8..16].sum().item<float>());
        Assert.True(masks.sum(new long[] { 0 }).eq(1).all().item<bool>()); // every dimension serves exactly one level
    }

    [Fact]
    public void MasksRecoverThreePlantedLevels()
    {
        using var scope = NewDisposeScope();
        // 2 × 2 × 2 tree (leaf = 4·coarse + 2·mid child + fine child); 6 dimensions per level plus 6 noise dimensions.
        var g = new torch.Generator(11);
        var leaf = torch.arange(800) % 8;
        var bits = new[] { leaf.div(4, rounding_mode: RoundingMode.floor), leaf.div(2, rounding_mode: RoundingMode.floor) % 2, leaf % 2 };
        var signal = torch.cat(bits.Select(b => (b * 2 - 1).to(ScalarType.Float32).unsqueeze(1).expand(800, 6))
            .Append(torch.zeros(800, 6)).ToArray(), 1);
        var features = signal + 0.4f * torch.randn(800, 24, generator: g);
        var labels = torch.stack(new[] { bits[0], leaf.div(2, rounding_mode: RoundingMode.floor), leaf }, 1);
        var fit = new FeatureLevelIdentifier(3).Identify(features, labels);
        for (int level = 0; level < 3; level++)
            Assert.Equal(Enumerable.Range(6 * level, 6), fit.DimensionsOf(level).Where(d => d < 18));
    }

    [Fact]
    public void RefitIsDeterministic()
    {
        using var scope = NewDisposeScope();
        var (features, labels) = Planted(6, seed: 3);
        using var a = new GHmlcLoss(2, 22);
        using var b = new GHmlcLoss(2, 22);
        Assert.Equal(a.Refit(features, labels).LevelOfDimension, b.Refit(features, labels).LevelOfDimension);
    }

    [Fact]
    public void EveryLevelKeepsADimension()
    {
        using var scope = NewDisposeScope();
        // Features that only carry coarse information: the fine level would otherwise get nothing.
        var (features, labels) = Planted();
        features = features[.., ..8];
        var fit = new FeatureLevelIdentifier(2).Identify(features, labels);
        Assert.NotEmpty(fit.DimensionsOf(0));
        Assert.NotEmpty(fit.DimensionsOf(1));
    }

    [Fact]
    public void BeforeTheFirstRefitGHmlcIsInverseFrequencyHiMulCon()
    {
        using var scope = NewDisposeScope();
        var z = ToTensor(RandomUnit(6, 2, 4, 8));
        using var g = new GHmlcLoss(2, 4);
        using var h = new HmlcLoss(HmlcVariant.HiMulCon, new ContrastiveOptions { InverseFrequency = true });
        Assert.Equal(h.Loss(z, Labels(TwoLevels)).item<double>(), g.Loss(z, Labels(TwoLevels)).item<double>(), 10);
    }

    [Fact]
    public void GHmlcContrastsEachLevelOnItsMaskedDimensions()
    {
        using var scope = NewDisposeScope();
        var (features, labels) = Planted();
        using var loss = new GHmlcLoss(2, 16);
        loss.Refit(features, labels);
        var z = RandomUnit(6, 2, 16, 12);
        double[][][] Masked(int from) => z.Select(s => s.Select(v =>
            NaiveContrast.Unit(v.Select((x, d) => d >= from && d < from + 8 ? x : 0).ToArray())).ToArray()).ToArray();
        double expected = NaiveContrast.Loss(z, NaiveContrast.Levels(TwoLevels), expWeights: true, inverseFrequency: true,
            perLevelZ: new[] { Masked(0), Masked(8) });
        Assert.Equal(expected, loss.Loss(ToTensor(z), Labels(TwoLevels)).item<double>(), 9);
    }

    [Fact]
    public void MasksTravelWithTheStateDict()
    {
        using var scope = NewDisposeScope();
        var (features, labels) = Planted();
        using var fitted = new GHmlcLoss(2, 16);
        fitted.Refit(features, labels);
        using var fresh = new GHmlcLoss(2, 16);
        Assert.Contains("level_masks", fitted.state_dict().Keys);
        fresh.load_state_dict(fitted.state_dict());
        Assert.True(fresh.Masks.eq(fitted.Masks).all().item<bool>());
        Assert.False(fitted.Masks.eq(1).all().item<bool>());
        Assert.Empty(fitted.parameters());
    }

    [Fact]
    public void RefitSchedule()
    {
        using var every2 = new GHmlcLoss(2, 8, new ContrastiveOptions { RefitEveryEpochs = 2 });
        Assert.Equal(new[] { 2, 4 }, Enumerable.Range(0, 6).Where(every2.NeedsRefit));
        using var every1 = new GHmlcLoss(2, 8);
        Assert.Equal(new[] { 1, 2, 3 }, Enumerable.Range(0, 4).Where(every1.NeedsRefit));
    }

    [Fact]
    public void AHmlcContrastsEachLevelUnderItsSoftMask()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using var loss = new AHmlcLoss(2, 4, 5, new ContrastiveOptions { MaskHiddenDim = 6 });
        loss.to(ScalarType.Float64);
        var z = RandomUnit(6, 2, 4, 13);
        var h = torch.randn(6, 2, 5, dtype: ScalarType.Float64);
        var masks = loss.Masks(h);
        double[][][] Masked(int level) => z.Select((s, n) => s.Select((v, view) =>
            NaiveContrast.Unit(v.Select((x, d) => x * masks[level][n, view, d].item<double>()).ToArray())).ToArray()).ToArray();
        double expected = NaiveContrast.Loss(z, NaiveContrast.Levels(TwoLevels), expWeights: true, inverseFrequency: true,
            perLevelZ: new[] { Masked(0), Masked(1) });
        Assert.Equal(expected, loss.Loss(ToTensor(z), Labels(TwoLevels), h).item<double>(), 9);
        Assert.True(masks.All(m => m.gt(0).all().item<bool>() && m.lt(1).all().item<bool>()));
    }

    [Fact]
    public void AHmlcHeadsAreTrainable()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var loss = new AHmlcLoss(3, 8, 16);
        var parameters = loss.parameters().ToList();
        Assert.Equal(3 * 4, parameters.Count); // two Linear layers (weight, bias) per level
        Assert.Equal(3 * (16 * 8 + 8 + 8 * 8 + 8), parameters.Sum(p => p.numel()));
        var z = nn.functional.normalize(torch.randn(6, 2, 8), dim: -1);
        var value = loss.Loss(z, Labels(ContrastTestData.ThreeLevels), torch.randn(6, 2, 16));
        value.backward();
        Assert.All(parameters, p => Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0));
        Assert.Throws<ArgumentException>(() => loss.Loss(z, Labels(ContrastTestData.ThreeLevels)));
    }

    [Fact]
    public void FactoryKnowsEveryMethod()
    {
        var hierarchy = BuiltInHierarchies.FashionMnist();
        var expected = new Dictionary<string, Type>
        {
            ["supcon"] = typeof(SupConLoss), ["hmlc"] = typeof(HmlcLoss), ["hicone"] = typeof(HmlcLoss),
            ["himulcone"] = typeof(HmlcLoss), ["g-hmlc"] = typeof(GHmlcLoss), ["a-hmlc"] = typeof(AHmlcLoss),
        };
        Assert.Equal(expected.Keys.Order(), ContrastiveObjectives.Names.Order());
        foreach (var (name, type) in expected)
        {
            using var objective = ContrastiveObjectives.Create(name, hierarchy, 128, 64, new ContrastiveOptions());
            Assert.IsType(type, objective);
            Assert.Equal(name, objective.Method);
        }
        var e = Assert.Throws<ArborException>(() => ContrastiveObjectives.Create("simclr", hierarchy, 128, 64, new ContrastiveOptions()));
        Assert.Contains("simclr", e.Message);
        Assert.All(expected.Keys, name => Assert.Contains(name, e.Message));
    }
}
