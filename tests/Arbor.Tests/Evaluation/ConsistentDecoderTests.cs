using Arbor.Evaluation;
using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Evaluation;

public class ConsistentDecoderTests
{
    static readonly ClassHierarchy TwoLevels = MetricsAccumulatorTests.TwoLevels;

    [Fact]
    public void ConsistentPathDiffersFromAnInconsistentArgmax()
    {
        // Coarse strongly says B; fine slightly prefers a0 (under A) over b0. Independent argmax: B, a0 — contradicts
        // the tree. Path scores: A > a0 ≈ -5.0 + log p(a0), B > b0 ≈ -0.007 + log p(a0) - 0.1, so B > b0 wins.
        var logits = new[] { tensor(new float[] { 0, 5 }, new long[] { 1, 2 }), tensor(new float[] { 1, 0, 0.9f, 0 }, new long[] { 1, 4 }) };
        Assert.Equal((1L, 0L), (logits[0].argmax(1).item<long>(), logits[1].argmax(1).item<long>()));
        var decoded = new ConsistentDecoder(TwoLevels).Decode(logits);
        Assert.Equal(2, decoded.Length);
        Assert.Equal(1L, decoded[0].item<long>());
        Assert.Equal(2L, decoded[1].item<long>());
        Assert.Equal(ScalarType.Int64, decoded[1].dtype);
    }

    [Fact]
    public void PathScoresSumLevelLogProbabilities()
    {
        var logits = MetricsAccumulatorTests.Logits();
        var decoder = new ConsistentDecoder(TwoLevels);
        var scores = decoder.PathScores(logits);
        Assert.Equal(new long[] { 4, 4 }, scores.shape);
        // Sample 1 by hand: coarse [0, 1], fine [0, 2, 0, 0].
        double lc = Math.Log(1 + Math.E), lf = Math.Log(3 + Math.Exp(2));
        double[] expected = { -lc - lf, -lc + 2 - lf, 1 - lc - lf, 1 - lc - lf };
        var row = scores[1].data<float>().ToArray();
        for (int leaf = 0; leaf < 4; leaf++) Assert.Equal(expected[leaf], row[leaf], 5);
        // A class's score is its best path: A = max(a0, a1), B = max(b0, b1).
        var coarse = decoder.ClassScores(scores, 1)[1].data<float>().ToArray();
        Assert.Equal(Math.Max(expected[0], expected[1]), coarse[0], 5);
        Assert.Equal(Math.Max(expected[2], expected[3]), coarse[1], 5);
        var decoded = decoder.Decode(logits);
        Assert.Equal(new long[] { 0, 0, 1, 0 }, decoded[0].data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 3, 0 }, decoded[1].data<long>().ToArray());
    }

    [Fact]
    public void MatchesBruteForceOverAllPathsAndIsAlwaysConsistent()
    {
        var hierarchy = BuiltInHierarchies.Cifar100();
        var generator = new Generator(3);
        var logits = hierarchy.ClassCounts.Select(c => (randn(new long[] { 64, c }, generator: generator) * 3)).ToArray();
        var decoded = new ConsistentDecoder(hierarchy).Decode(logits);
        var logp = logits.Select(t => nn.functional.log_softmax(t, 1).data<float>().ToArray()).ToArray();
        var coarse = decoded[0].data<long>().ToArray();
        var fine = decoded[1].data<long>().ToArray();
        for (int i = 0; i < 64; i++)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int leaf = 0; leaf < 100; leaf++)
            {
                double score = logp[0][i * 20 + hierarchy.AncestorAt(leaf, 1)] + logp[1][i * 100 + leaf];
                if (score > bestScore) (best, bestScore) = (leaf, score);
            }
            Assert.Equal(best, fine[i]);
            Assert.Equal(hierarchy.AncestorAt(best, 1), coarse[i]);
        }
        var metrics = new MetricsAccumulator(hierarchy, Decoding.Consistent);
        metrics.Add(logits, randint(0, 100, new long[] { 64 }, generator: generator));
        var m = metrics.Compute();
        Assert.Equal(1.0, m.Consistency);
        // The consistent top-1 class is always among its top-5.
        Assert.All(m.Levels, l => Assert.True(l.Top5 >= l.Top1));
    }

    [Fact]
    public void DecodingNamesRoundTrip()
    {
        Assert.Equal("independent", Decoding.Independent.ToName());
        Assert.Equal(Decoding.Consistent, DecodingNames.Parse("Consistent"));
        Assert.Throws<ArborException>(() => DecodingNames.Parse("greedy"));
    }
}
