using Arbor.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Data;

public class BatchLoaderTests
{
    static float[] Flat(Tensor t) => t.contiguous().flatten().data<float>().ToArray();
    static long[] Longs(Tensor t) => t.data<long>().ToArray();

    [Fact]
    public void EpochCoversEveryIndexOnceWithMatchingLabels()
    {
        var data = DataFixtures.Counting(10);
        var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 4, Seed = 1, Prefetch = 2 });
        var seen = new List<int>();
        var sizes = new List<int>();
        foreach (var batch in loader.GetBatches(0))
            using (batch)
            {
                sizes.Add(batch.Count);
                seen.AddRange(batch.Indices);
                Assert.Equal(new long[] { batch.Count, 1, 4, 4 }, batch.Images.shape);
                Assert.Equal(ScalarType.Int64, batch.Leaves.dtype);
                Assert.Equal(batch.Indices.Select(i => (long)(i % 4)).ToArray(), Longs(batch.Leaves));
                // coarse: leaves 0,1 → animal (0), 2,3 → vehicle (1)
                Assert.Equal(batch.Indices.Select(i => (long)(i % 4 / 2)).ToArray(), Longs(batch.LevelLabels[0]));
                // Normalization.None: every pixel of a sample is its index / 255.
                var pixels = Flat(batch.Images);
                for (int s = 0; s < batch.Count; s++)
                    Assert.All(pixels.Skip(s * 16).Take(16), p => Assert.Equal(batch.Indices[s] / 255f, p, 6));
            }
        Assert.Equal(new[] { 4, 4, 2 }, sizes);
        Assert.Equal(Enumerable.Range(0, 10), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 10), seen);     // shuffled
        Assert.Equal(2, new BatchLoader(data, new BatchLoaderOptions { BatchSize = 4, DropLast = true }).BatchesPerEpoch);
    }

    [Fact]
    public void AugmentedBatchesAreIdenticalWithAndWithoutPrefetchAndDifferAcrossEpochs()
    {
        var data = FashionMnist.ReadEmbedded().Subset(Enumerable.Range(0, 64).ToArray(), "first 64");
        BatchLoaderOptions Options(int prefetch) => new()
        {
            BatchSize = 16, Seed = 7, Views = 2, Prefetch = prefetch,
            Transform = BatchAugmentation.PadCropFlip() with { Brightness = 0.3, Contrast = 0.3 },
        };
        List<(int[] Idx, float[] V1, float[] V2)> Run(int prefetch, int epoch) =>
            new BatchLoader(data, Options(prefetch)).GetBatches(epoch).Select(b =>
            {
                using (b) return (b.Indices, Flat(b.Images), Flat(b.View2!));
            }).ToList();
        var sync = Run(0, 3);
        var prefetched = Run(3, 3);
        Assert.Equal(sync.Count, prefetched.Count);
        for (int i = 0; i < sync.Count; i++)
        {
            Assert.Equal(sync[i].Idx, prefetched[i].Idx);
            Assert.Equal(sync[i].V1, prefetched[i].V1);
            Assert.Equal(sync[i].V2, prefetched[i].V2);
            Assert.NotEqual(sync[i].V1, sync[i].V2);             // two independent views
        }
        Assert.NotEqual(sync[0].Idx, Run(0, 4)[0].Idx);
    }

    [Fact]
    public void ResizesAndRepeatsGrayToRgbAndNormalises()
    {
        var data = DataFixtures.Counting(3, channels: 1, size: 4);
        var norm = new Normalization("test", new[] { 0.5f }, new[] { 0.25f });
        var loader = new BatchLoader(data, new BatchLoaderOptions
        {
            BatchSize = 3, Shuffle = false, Channels = 3, ImageSize = 8, Normalization = norm, Prefetch = 0,
        });
        using var batch = loader.GetBatches(0).Single();
        Assert.Equal(new long[] { 3, 3, 8, 8 }, batch.Images.shape);
        // Constant images stay constant under an antialiased bicubic resize; then (v - 0.5) / 0.25.
        var pixels = Flat(batch.Images);
        for (int s = 0; s < 3; s++)
            Assert.All(pixels.Skip(s * 192).Take(192), p => Assert.Equal((s / 255f - 0.5f) / 0.25f, p, 4));
    }

    [Fact]
    public void EarlyStopDisposesPrefetchedBatchesAndProducerErrorsSurface()
    {
        var data = DataFixtures.Counting(40);
        var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 4, Prefetch = 3 });
        foreach (var b in loader.GetBatches(0)) { b.Dispose(); break; }   // must not hang
        var failing = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 4, Prefetch = 2, Transform = new Failing() });
        var e = Assert.Throws<InvalidOperationException>(() => { foreach (var b in failing.GetBatches(0)) b.Dispose(); });
        Assert.Equal("boom", e.Message);
    }

    sealed class Failing : IBatchTransform
    {
        public Tensor Apply(Tensor images, torch.Generator generator) => throw new InvalidOperationException("boom");
    }

}

/// <summary>Native memory stays flat over epochs (runs alone: it counts every live tensor in the process).</summary>
[Collection(ProcessWideStateCollection.Name)]
public class BatchLoaderMemoryTests
{
    [Fact]
    public void LiveTensorCountStaysFlatOverEpochs()
    {
        var data = DataFixtures.Counting(64, channels: 1, size: 8);
        var loader = new BatchLoader(data, new BatchLoaderOptions
        {
            BatchSize = 8, Views = 2, Prefetch = 2, Transform = BatchAugmentation.Contrastive(),
        });
        void Epoch(int e)
        {
            foreach (var b in loader.GetBatches(e))
                using (b) using (var sum = b.Images.sum()) _ = sum.item<float>();
        }
        Epoch(0);
        // No GC.Collect: finalizers would free leaked tensors and hide a missing Dispose.
        long before = LiveTensors();
        for (int e = 1; e <= 4; e++) Epoch(e);
        Assert.True(LiveTensors() - before <= 2, $"live tensors grew from {before} to {LiveTensors()}");
    }

    static long LiveTensors() => torch.Tensor.TotalCount;
}
