using Arbor.Data;
using Arbor.Data.Points;
using Arbor.Models.Points;
using Arbor.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Points;

public class PointBackboneTests
{
    [Fact]
    public void BatchedNeighboursAndEdgeFeaturesEqualANaivePerPointReference()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        const int b = 3, c = 4, n = 9, k = 4;
        var x = randn(b, c, n);
        var idx = KnnGraph.Neighbours(x, k);
        var edges = KnnGraph.EdgeFeatures(x, idx);
        Assert.Equal(new long[] { b, 2 * c, n, k }, edges.shape);
        var values = x.data<float>().ToArray();
        float At(int s, int ch, int p) => values[(s * c + ch) * n + p];
        for (int s = 0; s < b; s++)
            for (int i = 0; i < n; i++)
            {
                // Naive: every distance, sorted, nearest k (the point itself first, at distance 0).
                var nearest = Enumerable.Range(0, n)
                    .OrderBy(j => Enumerable.Range(0, c).Sum(ch => Math.Pow(At(s, ch, i) - At(s, ch, j), 2))).Take(k).ToArray();
                Assert.Equal(i, nearest[0]);
                Assert.Equal(nearest.Select(j => (long)j), Enumerable.Range(0, k).Select(m => idx[s, i, m].item<long>()));
                for (int m = 0; m < k; m++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        Assert.Equal(At(s, ch, nearest[m]) - At(s, ch, i), edges[s, ch, i, m].item<float>(), 5);
                        Assert.Equal(At(s, ch, i), edges[s, c + ch, i, m].item<float>(), 5);
                    }
            }
    }

    [Fact]
    public void DgcnnOnABatchEqualsDgcnnOnEachCloudAlone()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var net = new Dgcnn(k: 5, embedding: 32);
        net.eval();
        var clouds = randn(3, 16, 3);
        using var _ = no_grad();
        var batched = net.forward(clouds);
        Assert.Equal(new long[] { 3, 64 }, batched.shape);
        for (int i = 0; i < 3; i++)
            Assert.True(net.forward(clouds[i..(i + 1)]).allclose(batched[i..(i + 1)], rtol: 1e-4, atol: 1e-5), $"cloud {i}");
        // Order of the points does not matter (k-NN graph and pooling are permutation-invariant).
        var shuffled = clouds.index_select(1, randperm(16));
        Assert.True(net.forward(shuffled).allclose(batched, rtol: 1e-4, atol: 1e-5));
    }

    [Theory]
    [InlineData("pointnet")]
    [InlineData("dgcnn")]
    public void ATrainingStepOfEachBackboneLowersTheLoss(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var backbone = Backbones.Create(name, 3);
        var head = nn.Linear(backbone.FeatureDim, 2);
        // Two classes a network tells apart at once: clouds stretched along x or along y.
        var clouds = randn(8, 32, 3) * tensor(new[] { 1f, 0.2f, 0.2f });
        clouds = cat(new[] { clouds[..4], clouds[4..].index_select(2, tensor(new long[] { 1, 0, 2 })) }, 0);
        var labels = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1 });
        var optimizer = optim.Adam(backbone.parameters().Concat(head.parameters()), lr: 1e-3);
        float Loss() => nn.functional.cross_entropy(head.forward(backbone.forward(clouds)), labels).item<float>();
        float before = Loss();
        for (int step = 0; step < 5; step++)
        {
            optimizer.zero_grad();
            nn.functional.cross_entropy(head.forward(backbone.forward(clouds)), labels).backward();
            optimizer.step();
        }
        Assert.True(Loss() < before, $"{name}: loss {before} → {Loss()}");
    }

    [Fact]
    public void PointBackbonesRefuseImagesWithAClearMessage()
    {
        using var net = new PointNet();
        var e = Assert.Throws<ArborException>(() => net.forward(zeros(2, 3, 8, 8)));
        Assert.Contains("point clouds [batch, points, 3]", e.Message);
    }

    [Fact]
    public void AugmentationIsDeterministicPerSeedAndKeepsTheCloudShape()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var clouds = rand(4, 50, 3).sub_(0.5);
        var augment = PointAugmentation.Contrastive();
        Tensor Run(ulong seed) { using var g = new Generator(seed); return augment.Apply(clouds, g); }
        var a = Run(11);
        Assert.Equal(clouds.shape, a.shape);
        Assert.True(a.eq(Run(11)).all().item<bool>());
        Assert.False(a.allclose(Run(12)));
        Assert.False(a.allclose(clouds));

        // Rotation alone turns about y: heights and distances from the axis are kept.
        using var g = new Generator(1);
        var turned = new PointAugmentation { RotateUp = true }.Apply(clouds, g);
        Assert.True(turned[.., .., 1].allclose(clouds[.., .., 1], atol: 1e-6));
        Assert.True(Radial(turned).allclose(Radial(clouds), atol: 1e-5));
        Assert.False(turned.allclose(clouds, atol: 1e-3));

        // Jitter alone stays within its clip bound.
        using var g2 = new Generator(2);
        var jittered = new PointAugmentation { JitterSigma = 0.5, JitterClip = 0.05 }.Apply(clouds, g2);
        Assert.True((jittered - clouds).abs().max().item<float>() <= 0.05f + 1e-6f);

        // Dropout replaces points by the cloud's first one; the count stays.
        using var g3 = new Generator(3);
        var dropped = new PointAugmentation { DropoutMax = 0.9 }.Apply(clouds, g3);
        var same = dropped.eq(clouds).all(2);
        var first = dropped.eq(clouds[.., ..1, ..]).all(2);
        Assert.True(same.logical_or(first).all().item<bool>());
        Assert.True(first.sum().item<long>() > 4);
    }

    [Fact]
    public void TheLoaderGathersCloudsAndMakesTwoSeededViews()
    {
        var splits = ShapeSet.Open(new DatasetOptions { Points = 32 }, poolPerShape: 4, testPerShape: 1);
        var options = new BatchLoaderOptions { BatchSize = 6, Views = 2, Seed = 9, Prefetch = 0, Transform = PointAugmentation.Contrastive() };
        var loader = new BatchLoader(splits.Train, options);
        Assert.True(loader.IsPointClouds);
        using var a = loader.GetBatches(0).First();
        using var b = new BatchLoader(splits.Train, options).GetBatches(0).First();
        Assert.Equal(new long[] { 6, 32, 3 }, a.Images.shape);
        Assert.True(a.Images.eq(b.Images).all().item<bool>() && a.View2!.eq(b.View2!).all().item<bool>());
        Assert.False(a.Images.allclose(a.View2!));
        using var plain = new BatchLoader(splits.Train, options with { Transform = null, Views = 1 }).GetBatches(0).First();
        var source = (PointCloudDataset)splits.Train.Resolve(0).Source;
        for (int i = 0; i < plain.Count; i++)
            Assert.True(plain.Images[i].eq(source.Points[splits.Train.Resolve(plain.Indices[i]).Index]).all().item<bool>());
    }

    static Tensor Radial(Tensor x) => (x[.., .., 0].pow(2) + x[.., .., 2].pow(2)).sqrt();
}
