using Arbor.Hierarchy;
using Arbor.Methods.Contrastive;
using Arbor.Methods.CrossEntropy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Contrastive;

public class CrossEntropyHeadTests
{
    static readonly ClassHierarchy Fashion = BuiltInHierarchies.FashionMnist();

    [Fact]
    public void CoarseProbabilitiesAreSumsOfLeafProbabilities()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        using var head = new LeafCrossEntropyHead(Fashion, 12);
        var levels = head.forward(torch.randn(4, 12) * 3);
        Assert.Equal(new long[] { 4, 2 }, levels[0].shape);
        Assert.Equal(new long[] { 4, 6 }, levels[1].shape);
        Assert.Equal(new long[] { 4, 10 }, levels[2].shape);
        for (int b = 0; b < 4; b++)
        {
            var leafP = Enumerable.Range(0, 10).Select(i => Math.Exp(levels[2][b, i].item<float>())).ToArray();
            Assert.Equal(1.0, leafP.Sum(), 5);
            for (int level = 1; level <= 2; level++)
                foreach (var node in Fashion.NodesAt(level))
                {
                    double expected = Fashion.DescendantLeaves(node.Index).Sum(leaf => leafP[leaf]);
                    Assert.Equal(expected, Math.Exp(levels[level - 1][b, node.LocalIndex].item<float>()), 5);
                }
        }
    }

    [Fact]
    public void LeafHeadTrainsOnTheLeafCrossEntropy()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var head = new LeafCrossEntropyHead(Fashion, 5);
        var features = torch.randn(3, 5);
        var leaves = torch.tensor(new long[] { 9, 1, 6 });
        var levels = head.forward(features);
        double loss = head.Loss(levels, LevelLabels.FromLeaves(Fashion, leaves)).item<float>();
        // −log softmax of the raw leaf logits, by hand.
        var logits = head.parameters().First().matmul(features.t()).t() + head.parameters().Last();
        double expected = 0;
        for (int b = 0; b < 3; b++)
        {
            var row = Enumerable.Range(0, 10).Select(i => (double)logits[b, i].item<float>()).ToArray();
            double max = row.Max();
            expected += max + Math.Log(row.Sum(v => Math.Exp(v - max))) - row[leaves[b].item<long>()];
        }
        Assert.Equal(expected / 3, loss, 4);
    }

    [Fact]
    public void LevelHeadsLossIsTheMeanOfPerLevelCrossEntropies()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using var heads = new LevelHeads(Fashion, 7);
        var levels = heads.forward(torch.randn(5, 7));
        Assert.Equal(new[] { 2L, 6, 10 }, levels.Select(t => t.shape[1]));
        var labels = LevelLabels.FromLeaves(Fashion, torch.tensor(new long[] { 0, 3, 5, 8, 9 }));
        double expected = 0;
        for (int l = 0; l < 3; l++)
        {
            double levelLoss = 0;
            for (int b = 0; b < 5; b++)
            {
                var row = Enumerable.Range(0, (int)levels[l].shape[1]).Select(i => (double)levels[l][b, i].item<float>()).ToArray();
                levelLoss += Math.Log(row.Sum(Math.Exp)) - row[labels[b, l].item<long>()];
            }
            expected += levelLoss / 5;
        }
        Assert.Equal(expected / 3, heads.Loss(levels, labels).item<float>(), 4);
    }

    [Fact]
    public void LevelLabelsFollowTheTree()
    {
        using var scope = NewDisposeScope();
        var labels = LevelLabels.FromLeaves(Fashion, torch.tensor(new long[] { 0, 1, 7, 8 }));
        // T-shirt/top: clothes/tops; Trouser: clothes/bottoms; Sneaker: goods/shoes; Bag: goods/accessories.
        for (int b = 0; b < 4; b++)
        {
            int leaf = new[] { 0, 1, 7, 8 }[b];
            for (int l = 0; l < 3; l++) Assert.Equal(Fashion.AncestorAt(leaf, l + 1), labels[b, l].item<long>());
        }
        Assert.Equal("goods", Fashion.Node(1, (int)labels[3, 0].item<long>()).Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => LevelLabels.FromLeaves(Fashion, torch.tensor(new long[] { 10 })));
    }

    [Fact]
    public void LinearProbeLeavesTheBackboneFrozen()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var probe = new LinearProbe(Fashion, 6);
        var features = torch.randn(4, 6, requires_grad: true);
        var levels = probe.forward(features * 2);
        probe.Loss(levels, LevelLabels.FromLeaves(Fashion, torch.tensor(new long[] { 0, 2, 4, 9 }))).backward();
        Assert.Null(features.grad);
        Assert.All(probe.parameters(), p => Assert.NotNull(p.grad));
        Assert.Equal(6 * 2 + 2 + 6 * 6 + 6 + 6 * 10 + 10, probe.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void WrongShapesAreRefused()
    {
        using var heads = new LevelHeads(Fashion, 4);
        Assert.Throws<ArgumentException>(() => heads.forward(torch.randn(2, 5)));
        var levels = heads.forward(torch.randn(2, 4));
        Assert.Throws<ArgumentException>(() => heads.Loss(levels, torch.zeros(2, 2, ScalarType.Int64)));
    }
}
