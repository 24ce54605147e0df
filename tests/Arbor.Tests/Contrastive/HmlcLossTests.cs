using Arbor.Methods.Contrastive;
using TorchSharp;
using static Arbor.Tests.Contrastive.ContrastTestData;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

public class HmlcLossTests
{
    static double Run(HmlcVariant variant, ContrastiveOptions options, double[][][] z, long[][] labels)
    {
        using var loss = new HmlcLoss(variant, options);
        return loss.Loss(ToTensor(z), Labels(labels)).item<double>();
    }

    [Fact]
    public void TwoLevelsByHand()
    {
        // Samples: A = (coarse 0, fine 0), B = (0, 1), C = (1, 2); one view each is not enough for SimCLR-style pairs,
        // so V = 2 with both views identical per sample: A → (1,0), B → (0,1), C → (−1,0). τ = 0.1, τ_base = 0.07.
        double[] a = { 1, 0 }, b = { 0, 1 }, c = { -1, 0 };
        double[][][] z = { new[] { a, a }, new[] { b, b }, new[] { c, c } };
        long[][] labels = { new long[] { 0, 0 }, new long[] { 0, 1 }, new long[] { 1, 2 } };
        // Denominators (5 other views): A: 1·e^10 + 2·e^0 + 2·e^−10; B: e^10 + 4; C: same as A.
        double logDenA = Math.Log(Math.Exp(10) + 2 + 2 * Math.Exp(-10)), logDenB = Math.Log(Math.Exp(10) + 4);
        double pairSelf = logDenA - 10, pairSelfB = logDenB - 10;         // positive = own other view (s = 1)
        double pairAB = logDenA - 0, pairBA = logDenB - 0;                // cross pair, s = 0
        // Fine level: every anchor's only positive is its own other view.
        double fine = (4 * pairSelf + 2 * pairSelfB) / 6 * (0.1 / 0.07);
        // Coarse level: A and B share coarse 0 → A's views have positives {own, B, B}; C's only its own.
        double anchorA = (pairSelf + 2 * pairAB) / 3, anchorB = (pairSelfB + 2 * pairBA) / 3;
        double coarse = (2 * anchorA + 2 * anchorB + 2 * pairSelf) / 6 * (0.1 / 0.07);
        double himulcon = (Math.Exp(1) * fine + Math.Exp(0.5) * coarse) / 2;
        Assert.Equal(himulcon, Run(HmlcVariant.HiMulCon, new ContrastiveOptions(), z, labels), 9);

        // HiConE pairwise: coarse pair terms are raised to the anchor's largest fine pair term (its own-view term).
        double coarseE = coarse; // every cross pair (s = 0) already costs more than the own-view pair (s = 1)
        Assert.True(pairAB > pairSelf);
        Assert.Equal((fine + coarseE) / 2, Run(HmlcVariant.HiConE, new ContrastiveOptions(), z, labels), 9);
        // Batch-mean form: the coarse level loss may not fall below the fine one.
        Assert.Equal((fine + Math.Max(fine, coarse)) / 2,
            Run(HmlcVariant.HiConE, new ContrastiveOptions { HiConEForm = HiConEForm.BatchMean }, z, labels), 9);
    }

    public static TheoryData<HmlcVariant, HiConEForm, bool, bool, bool> Settings()
    {
        var data = new TheoryData<HmlcVariant, HiConEForm, bool, bool, bool>();
        foreach (var variant in Enum.GetValues<HmlcVariant>())
            foreach (var form in Enum.GetValues<HiConEForm>())
                foreach (var reduce in new[] { false, true })
                {
                    data.Add(variant, form, reduce, false, false);
                    data.Add(variant, form, reduce, true, true);
                }
        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void MatchesTheLoopReference(HmlcVariant variant, HiConEForm form, bool reduce, bool inverseFrequency, bool instance)
    {
        var z = RandomUnit(6, 2, 3, 11);
        var options = new ContrastiveOptions
        {
            HiConEForm = form, BatchReduction = reduce, InverseFrequency = inverseFrequency, InstanceLevel = instance,
        };
        var levels = NaiveContrast.Levels(ThreeLevels).ToList();
        if (instance) levels.Add((a, b) => a == b);
        string? constraint = variant == HmlcVariant.HiMulCon ? null : form == HiConEForm.Pairwise ? "pairwise" : "batch";
        double expected = NaiveContrast.Loss(z, levels.ToArray(), expWeights: variant != HmlcVariant.HiConE,
            constraint: constraint, inverseFrequency: inverseFrequency, reduce: reduce);
        Assert.Equal(expected, Run(variant, options, z, ThreeLevels), 9);
    }

    [Fact]
    public void OneLevelIsSupConTimesItsLevelWeight()
    {
        var z = ToTensor(RandomUnit(8, 2, 5, 4));
        var labels = torch.tensor(new long[] { 0, 1, 1, 2, 0, 3, 3, 3 }).unsqueeze(1);
        using var supcon = new SupConLoss();
        using var hmlc = new HmlcLoss(HmlcVariant.HiMulCon);
        using var hicone = new HmlcLoss(HmlcVariant.HiConE);
        double s = supcon.Loss(z, labels).item<double>();
        Assert.Equal(Math.E * s, hmlc.Loss(z, labels).item<double>(), 10);    // λ = exp(1/1), one level
        Assert.Equal(s, hicone.Loss(z, labels).item<double>(), 10);           // unit λ, nothing finer to constrain
    }

    [Theory]
    [InlineData(HmlcVariant.HiMulCon)]
    [InlineData(HmlcVariant.HiConE)]
    [InlineData(HmlcVariant.HiMulConE)]
    public void InvariantToBatchOrder(HmlcVariant variant)
    {
        using var scope = NewDisposeScope();
        var z = ToTensor(RandomUnit(6, 2, 4, 21));
        var labels = Labels(ThreeLevels);
        var perm = torch.tensor(new long[] { 4, 2, 5, 0, 3, 1 });
        using var loss = new HmlcLoss(variant, new ContrastiveOptions { InverseFrequency = true, InstanceLevel = true });
        Assert.Equal(loss.Loss(z, labels).item<double>(), loss.Loss(z[perm], labels[perm]).item<double>(), 10);
    }

    [Fact]
    public void GradientsAreFiniteWithDuplicateAndSingletonClasses()
    {
        using var scope = NewDisposeScope();
        foreach (var variant in Enum.GetValues<HmlcVariant>())
            foreach (var reduce in new[] { false, true })
            {
                torch.manual_seed(3);
                var raw = torch.randn(6, 2, 8).to(ScalarType.Float64).requires_grad_(true);
                // Two samples with identical features too (duplicate views are the usual worst case).
                var z = nn.functional.normalize(torch.cat(new[] { raw[..5], raw[..1] }), dim: -1);
                using var loss = new HmlcLoss(variant, new ContrastiveOptions { BatchReduction = reduce, InverseFrequency = true });
                var value = loss.Loss(z, Labels(ThreeLevels));
                value.backward();
                Assert.True(value.isfinite().item<bool>(), $"{variant} reduce={reduce}");
                Assert.True(raw.grad!.isfinite().all().item<bool>(), $"{variant} reduce={reduce}");
                Assert.True(raw.grad!.abs().sum().item<double>() > 0);
            }
    }
}
