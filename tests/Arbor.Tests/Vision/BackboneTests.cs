using Arbor.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Vision;

public class BackboneTests
{
    [Theory]
    [InlineData("resnet20", 1, 28, 64)]
    [InlineData("resnet20", 3, 32, 64)]
    [InlineData("resnet20", 3, 8, 64)]
    [InlineData("resnet18", 1, 28, 512)]
    [InlineData("resnet18", 3, 32, 512)]
    public void PooledFeaturesHaveTheBackboneWidth(string name, int channels, int size, int featureDim)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        using var net = Backbones.Create(name, channels);
        net.eval();
        var h = net.forward(torch.randn(2, channels, size, size));
        Assert.Equal(new long[] { 2, featureDim }, h.shape);
        Assert.Equal(featureDim, net.FeatureDim);
        Assert.True(h.isfinite().all().item<bool>());
    }

    [Fact]
    public void ParameterCountsMatchTheArchitectures()
    {
        // Counted from the architecture: convolutions have no bias, each BN has weight + bias.
        static long Conv(long k, long i, long o) => k * k * i * o;
        static long Bn(long c) => 2 * c;
        static long Block(long i, long o) =>
            Conv(3, i, o) + Bn(o) + Conv(3, o, o) + Bn(o) + (i != o ? Conv(1, i, o) + Bn(o) : 0);
        static long Net(long inCh, long stem, int[] widths, int blocks)
        {
            long total = Conv(3, inCh, stem) + Bn(stem), c = stem;
            foreach (var w in widths)
                for (int b = 0; b < blocks; b++) { total += Block(c, w); c = w; }
            return total;
        }

        using var r20 = ResNet.ResNet20(3);
        using var r18 = ResNet.ResNet18Cifar(3);
        long n20 = r20.parameters().Sum(p => p.numel());
        long n18 = r18.parameters().Sum(p => p.numel());
        Assert.Equal(Net(3, 16, new[] { 16, 32, 64 }, 3), n20);
        Assert.Equal(Net(3, 64, new[] { 64, 128, 256, 512 }, 2), n18);
        Assert.Equal(271_824, n20);       // ≈ 0.27 M (option-B shortcuts)
        Assert.Equal(11_168_832, n18);    // ≈ 11.17 M, the CIFAR ResNet-18 without its classifier
    }

    [Fact]
    public void ConvolutionsGetKaimingFanOutInitialisation()
    {
        torch.manual_seed(3);
        using var net = ResNet.ResNet18Cifar(3);
        var weight = net.named_parameters().Single(p => p.name == "blocks.7.conv2.weight").parameter;
        // fan-out = 512 · 3 · 3, gain √2 → std = √(2 / 4608) ≈ 0.0208
        double std = weight.std().item<float>();
        Assert.InRange(std, 0.0208 * 0.97, 0.0208 * 1.03);
        var bnWeight = net.named_parameters().Single(p => p.name == "blocks.7.bn2.weight").parameter;
        Assert.True(bnWeight.eq(1).all().item<bool>());
    }

    [Fact]
    public void ModulesBuiltInsideADisposeScopeSurviveIt()
    {
        ResNet net;
        ProjectionHead head;
        Arbor.Methods.Contrastive.ContrastiveObjective objective;
        Arbor.Methods.CrossEntropy.LeafCrossEntropyHead leafHead;
        var hierarchy = Arbor.Hierarchy.BuiltInHierarchies.FashionMnist();
        using (NewDisposeScope())
        {
            net = ResNet.ResNet20(1);
            head = new ProjectionHead(64);
            objective = Arbor.Methods.Contrastive.ContrastiveObjectives.Create("g-hmlc", hierarchy, 128, 64, new());
            leafHead = new Arbor.Methods.CrossEntropy.LeafCrossEntropyHead(hierarchy, 64);
        }
        using var scope = NewDisposeScope();
        var h = net.forward(torch.randn(4, 1, 28, 28));
        var z = head.forward(h).reshape(2, 2, 128);
        var labels = Arbor.Methods.Contrastive.LevelLabels.FromLeaves(hierarchy, torch.tensor(new long[] { 0, 0 }));
        Assert.True(objective.Loss(z, labels).isfinite().item<bool>());
        Assert.Equal(new long[] { 4, 2 }, leafHead.forward(h)[0].shape);
        net.Dispose(); head.Dispose(); objective.Dispose(); leafHead.Dispose();
    }

    [Fact]
    public void UnknownBackboneListsTheValidNames()
    {
        var e = Assert.Throws<ArborException>(() => Backbones.Create("vgg11", 3));
        Assert.Contains("resnet18", e.Message);
        Assert.Contains("resnet20", e.Message);
        Assert.Contains("vgg11", e.Message);
    }

    [Fact]
    public void WrongInputIsRefused()
    {
        using var net = ResNet.ResNet20(1);
        Assert.Throws<ArgumentException>(() => net.forward(torch.zeros(1, 3, 28, 28)));
        Assert.Throws<ArgumentException>(() => net.forward(torch.zeros(1, 1, 6, 6)));
        Assert.Throws<ArborException>(() => Backbones.Create("resnet20", 2));
    }

    [Fact]
    public void ProjectionHeadGivesUnitVectors()
    {
        using var scope = NewDisposeScope();
        using var head = new ProjectionHead(64, 128);
        var z = head.forward(torch.randn(5, 64));
        Assert.Equal(new long[] { 5, 128 }, z.shape);
        Assert.True(torch.allclose(z.norm(1), torch.ones(5), rtol: 1e-5, atol: 1e-5));
        Assert.Equal(64 * 64 + 64 + 64 * 128 + 128, head.parameters().Sum(p => p.numel()));
    }
}
