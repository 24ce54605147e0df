using Arbor.Data;
using Arbor.Distributed;
using Arbor.Evaluation;
using Arbor.Experiments;
using static TorchSharp.torch;

namespace Arbor.Tests.Distributed;

/// <summary>
/// Evaluation split over ranks (every K-th batch each, counts all-reduced) gives every rank exactly the metrics one process
/// computes, and frozen features extracted in shards and gathered are the single-process features in order — also when the
/// batches do not divide evenly, or a rank gets no batch at all.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public class ShardedEvaluationTests
{
    const int Images = 53, Side = 4;   // 7 batches of 8, the last of 5

    static BatchLoader Loader()
    {
        var pixels = new byte[Images * Side * Side];
        new Random(9).NextBytes(pixels);
        var data = new InMemoryImageDataset("noise", Arbor.Tests.Data.DataFixtures.TwoByTwo(), pixels, 1, Side, Side,
            Enumerable.Range(0, Images).Select(i => (i * 7) % 4).ToArray(), "noise", Normalization.None);
        return new BatchLoader(data, new BatchLoaderOptions { BatchSize = 8, Shuffle = false, Prefetch = 1 });
    }

    /// <summary>A fixed linear classifier of the pixels: level 1 (2 classes) and level 2 (4 classes), not consistent
    /// with each other, so consistency and severity are not trivial.</summary>
    static Func<Tensor, Tensor[]> Classifier()
    {
        var g = new Generator(seed: 4);
        var w1 = randn(new long[] { Side * Side, 2 }, generator: g).DetachFromDisposeScope();
        var w2 = randn(new long[] { Side * Side, 4 }, generator: g).DetachFromDisposeScope();
        return x => new[] { x.flatten(1).matmul(w1), x.flatten(1).matmul(w2) };
    }

    static string Describe(HierarchicalMetrics m) =>
        m.ToReport("test", "noise", "test").ToJson() + string.Join(";", m.Confusion.Select(c =>
            string.Join(",", Enumerable.Range(0, c.Classes * c.Classes).Select(i => c[i / c.Classes, i % c.Classes]))));

    [Theory]
    [InlineData(2, Decoding.Independent)]
    [InlineData(3, Decoding.Consistent)]
    [InlineData(8, Decoding.Independent)]   // 7 batches: rank 7 evaluates none
    public void EveryRankGetsTheSingleProcessMetrics(int ranks, Decoding decoding)
    {
        var hierarchy = Arbor.Tests.Data.DataFixtures.TwoByTwo();
        var classify = Classifier();
        var single = Evaluator.Evaluate(classify, Loader(), hierarchy, decoding);
        Assert.Equal(Images, single.Samples);
        var sharded = ThreadedProcessGroup.Run(ranks, g => Describe(Evaluator.Evaluate(classify, Loader(), hierarchy, decoding, group: g)));
        Assert.All(sharded, s => Assert.Equal(Describe(single), s));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]   // 7 batches: rank 7 embeds none and still ends with the whole set
    public void FeaturesGatheredFromRanksAreTheSingleProcessFeaturesInOrder(int ranks)
    {
        var w = randn(new long[] { Side * Side, 5 }, generator: new Generator(seed: 6)).DetachFromDisposeScope();
        Func<Tensor, Tensor> embed = x => x.flatten(1).matmul(w);
        using var single = FeatureSet.Extract(Loader(), embed);
        var expected = (single.Features.data<float>().ToArray(), single.Leaves.data<long>().ToArray());
        var gathered = ThreadedProcessGroup.Run(ranks, g =>
        {
            using var set = FeatureSet.Extract(Loader(), embed, group: g);
            return (set.Features.data<float>().ToArray(), set.Leaves.data<long>().ToArray());
        });
        Assert.Equal(Images * 5, expected.Item1.Length);
        Assert.All(gathered, r =>
        {
            Assert.Equal(expected.Item1, r.Item1);
            Assert.Equal(expected.Item2, r.Item2);
        });
    }

    [Fact]
    public void ShardsTakeInterleavedWholeBatches()
    {
        var loader = Loader();
        int[] Batches(BatchShard shard) => loader.GetBatches(0, shard).Select(b => { using (b) return b.BatchIndex; }).ToArray();
        Assert.Equal(new[] { 0, 3, 6 }, Batches(new BatchShard(0, 3)));
        Assert.Equal(new[] { 2, 5 }, Batches(new BatchShard(2, 3)));
        Assert.Equal(2, new BatchShard(2, 3).BatchesOf(7));
        Assert.Equal(3, new BatchShard(0, 3).BatchesOf(7));
        // A shard's batch is the whole epoch's batch of that index: same rows.
        using var whole = loader.GetBatches(0).ElementAt(5);
        using var part = loader.GetBatches(0, new BatchShard(1, 2)).ElementAt(2);
        Assert.Equal(whole.Indices, part.Indices);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(3, 3));
        Assert.Equal(1, default(BatchShard).Count);
    }
}
