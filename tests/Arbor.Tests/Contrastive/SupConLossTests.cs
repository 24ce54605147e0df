using Arbor.Methods.Contrastive;
using TorchSharp;
using static Arbor.Tests.Contrastive.ContrastTestData;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

public class SupConLossTests
{
    [Fact]
    public void TwoSamplesTwoViewsByHand()
    {
        // Sample 0: (1,0) and (0.6,0.8); sample 1: (0,1) and (−0.8,0.6); different labels, τ = 0.1.
        // Each view's only positive is its sibling view. Dot products: a·b = 0.6, a·c = 0, a·d = −0.8,
        // b·c = 0.8, b·d = 0, c·d = 0.6.
        double[][][] z = { new[] { new[] { 1.0, 0 }, new[] { 0.6, 0.8 } }, new[] { new[] { 0.0, 1 }, new[] { -0.8, 0.6 } } };
        double L(double pos, double o1, double o2) => -(pos / 0.1 - Math.Log(Math.Exp(pos / 0.1) + Math.Exp(o1 / 0.1) + Math.Exp(o2 / 0.1)));
        double expected = (L(0.6, 0, -0.8) + L(0.6, 0.8, 0) + L(0.6, 0, 0.8) + L(0.6, -0.8, 0)) / 4 * (0.1 / 0.07);

        using var loss = new SupConLoss();
        double actual = loss.Loss(ToTensor(z), torch.tensor(new long[] { 0, 1 })).item<double>();
        Assert.Equal(expected, actual, 9);
    }

    [Fact]
    public void SharedLabelAddsCrossSamplePositives()
    {
        // Same two samples, now one class: anchor a has positives b, c, d; the denominator is the same sum.
        double[][][] z = { new[] { new[] { 1.0, 0 }, new[] { 0.6, 0.8 } }, new[] { new[] { 0.0, 1 }, new[] { -0.8, 0.6 } } };
        double[,] dot = { { 1, 0.6, 0, -0.8 }, { 0.6, 1, 0.8, 0 }, { 0, 0.8, 1, 0.6 }, { -0.8, 0, 0.6, 1 } };
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            double logDenominator = Math.Log(Enumerable.Range(0, 4).Where(a => a != i).Sum(a => Math.Exp(dot[i, a] / 0.1)));
            expected += Enumerable.Range(0, 4).Where(p => p != i).Average(p => logDenominator - dot[i, p] / 0.1);
        }
        expected = expected / 4 * (0.1 / 0.07);
        using var loss = new SupConLoss();
        Assert.Equal(expected, loss.Loss(ToTensor(z), torch.tensor(new long[] { 3, 3 })).item<double>(), 9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MatchesTheLoopReferenceWithDuplicatesSingletonsAndWeights(int seed)
    {
        var z = RandomUnit(6, 2, 3, seed);
        var leaf = ThreeLevels.Select(r => new[] { r[0] * 4 + r[1] * 2 + r[2] }).ToArray();
        var weights = new[] { 1.0, 2, 0.5, 1, 3, 1 };
        double expected = NaiveContrast.Loss(z, NaiveContrast.Levels(leaf), sampleWeights: weights);
        using var loss = new SupConLoss();
        double actual = loss.Loss(ToTensor(z), Labels(leaf), null, torch.tensor(weights)).item<double>();
        Assert.Equal(expected, actual, 9);
    }

    [Fact]
    public void UsesTheWholePathAsTheLabel()
    {
        var z = ToTensor(RandomUnit(6, 2, 4, 5));
        var leafIds = ThreeLevels.Select(r => new[] { r[0] * 4 + r[1] * 2 + r[2] }).ToArray();
        using var loss = new SupConLoss();
        Assert.Equal(loss.Loss(z, Labels(leafIds)).item<double>(), loss.Loss(z, Labels(ThreeLevels)).item<double>(), 12);
    }

    [Fact]
    public void AnchorsWithoutPositivesAreExcludedAndGradientsStayFinite()
    {
        // One view per sample: the singletons (samples 2 and 4 by leaf) have no positive at all.
        var z0 = ToTensor(RandomUnit(6, 1, 4, 9)).to(ScalarType.Float32);
        var z = z0.clone().requires_grad_(true);
        var leafIds = torch.tensor(new long[] { 0, 0, 1, 2, 3, 2 });
        using var loss = new SupConLoss();
        var value = loss.Loss(nn.functional.normalize(z, dim: -1), leafIds);
        value.backward();
        Assert.True(value.isfinite().item<bool>());
        Assert.True(z.grad!.isfinite().all().item<bool>());
        // Excluded anchors add nothing: rows of a singleton get gradient only through others' denominators, and the
        // loss equals the loop reference restricted to anchors 0, 1, 3, 5.
        var zd = Enumerable.Range(0, 6).Select(n => new[] { Enumerable.Range(0, 4).Select(d => (double)z0[n, 0, d].item<float>()).ToArray() }).ToArray();
        zd = zd.Select(s => s.Select(v => NaiveContrast.Unit(v)).ToArray()).ToArray();
        double expected = NaiveContrast.Loss(zd, NaiveContrast.Levels(new[] { 0L, 0, 1, 2, 3, 2 }.Select(x => new[] { x }).ToArray()));
        Assert.Equal(expected, value.item<float>(), 4);
    }

    [Fact]
    public void WrongShapesAreRefused()
    {
        using var loss = new SupConLoss();
        Assert.Throws<ArgumentException>(() => loss.Loss(torch.randn(4, 8), torch.zeros(4, ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => loss.Loss(torch.randn(4, 2, 8), torch.zeros(5, ScalarType.Int64)));
    }
}
