using Arbor.Evaluation;
using Arbor.Hierarchy;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Evaluation;

public class MetricsAccumulatorTests
{
    // coarse A → a0 (leaf 0), a1 (1); coarse B → b0 (2), b1 (3).
    internal static readonly ClassHierarchy TwoLevels = ClassHierarchy.FromLeafPaths("ab", new[] { "coarse", "fine" },
        new IReadOnlyList<string>[] { new[] { "A", "a0" }, new[] { "A", "a1" }, new[] { "B", "b0" }, new[] { "B", "b1" } });

    // Four samples chosen by hand:
    //   0: truth a0, predicts A, a0  — all right, consistent
    //   1: truth a1, predicts B, a1  — coarse wrong, leaf right, inconsistent (a1 is under A)
    //   2: truth b0, predicts B, b1  — leaf wrong (LCA height 1), consistent
    //   3: truth b1, predicts A, a0  — both wrong (LCA height 2), consistent
    internal static Tensor[] Logits() => new[]
    {
        tensor(new float[] { 2, 0, 0, 1, 0, 3, 1, 0 }, new long[] { 4, 2 }),
        tensor(new float[] { 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0 }, new long[] { 4, 4 }),
    };

    internal static Tensor Leaves() => tensor(new long[] { 0, 1, 2, 3 });

    [Fact]
    public void IndependentDecodingOnHandComputedCase()
    {
        var metrics = new MetricsAccumulator(TwoLevels);
        metrics.Add(Logits(), Leaves());
        var m = metrics.Compute();
        Assert.Equal(4, m.Samples);
        Assert.Equal(0.5, m.Levels[0].Top1);      // samples 0, 2
        Assert.Equal(0.5, m.Levels[1].Top1);      // samples 0, 1
        Assert.Equal(1.0, m.Levels[0].Top5);      // k = min(5, 2): every class is in the top k
        Assert.Equal(1.0, m.Levels[1].Top5);      // k = min(5, 4)
        Assert.Equal(0.25, m.FullPath);           // sample 0
        Assert.Equal(0.75, m.Consistency);        // all but sample 1
        Assert.Equal(2, m.WrongLeaves);           // samples 2, 3
        Assert.Equal((1 + 2) / 2.0, m.MistakeSeverity);
        Assert.Equal(Decoding.Independent, m.Decoding);
        Assert.Equal(("coarse", 2), (m.Levels[0].Name, m.Levels[0].Classes));
    }

    [Fact]
    public void ConfusionMatricesCountTruthAgainstPrediction()
    {
        var metrics = new MetricsAccumulator(TwoLevels);
        metrics.Add(Logits(), Leaves());
        var confusion = metrics.Compute().Confusion;
        var coarse = confusion[0];               // truth A A B B, predicted A B B A
        Assert.Equal(new long[] { 1, 1, 1, 1 }, new[] { coarse[0, 0], coarse[0, 1], coarse[1, 0], coarse[1, 1] });
        var fine = confusion[1];                 // truth 0 1 2 3, predicted 0 1 3 0
        Assert.Equal(4, fine.Total);
        Assert.Equal(1, fine[0, 0]);
        Assert.Equal(1, fine[1, 1]);
        Assert.Equal(1, fine[2, 3]);
        Assert.Equal(1, fine[3, 0]);
        Assert.Equal(new[] { "a0", "a1", "b0", "b1" }, fine.ClassNames);
    }

    [Fact]
    public void ConsistentDecodingOnHandComputedCase()
    {
        // Sample 1's coarse logits [0, 1] lose to its confident fine logits: the best path is A > a1, both right.
        var metrics = new MetricsAccumulator(TwoLevels, Decoding.Consistent);
        metrics.Add(Logits(), Leaves());
        var m = metrics.Compute();
        Assert.Equal(0.75, m.Levels[0].Top1);
        Assert.Equal(0.5, m.Levels[1].Top1);
        Assert.Equal(0.5, m.FullPath);
        Assert.Equal(1.0, m.Consistency);
        Assert.Equal(1.5, m.MistakeSeverity);
        Assert.Equal(Decoding.Consistent, m.Decoding);
    }

    [Fact]
    public void TopFiveCountsTheTrueClassAmongTheFiveBest()
    {
        var flat = ClassHierarchy.FromLeafPaths("flat", new[] { "class" },
            Enumerable.Range(0, 7).Select(i => (IReadOnlyList<string>)new[] { $"c{i}" }).ToArray());
        // Sample 0: the true class 4 ranks 5th → in the top 5. Sample 1: the true class 5 ranks 6th → not.
        var logits = tensor(new float[] { 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1 }, new long[] { 2, 7 });
        foreach (var decoding in new[] { Decoding.Independent, Decoding.Consistent })
        {
            var metrics = new MetricsAccumulator(flat, decoding);
            metrics.Add(new[] { logits }, tensor(new long[] { 4, 5 }));
            var m = metrics.Compute();
            Assert.Equal(0.0, m.Levels[0].Top1);
            Assert.Equal(0.5, m.Levels[0].Top5);
            Assert.Equal(1.0, m.MistakeSeverity);     // both wrong; in a one-level tree the LCA is the root, height 1
        }
    }

    [Fact]
    public void NoWrongLeafMeansSeverityZero()
    {
        var metrics = new MetricsAccumulator(TwoLevels);
        var logits = Logits();
        metrics.Add(new[] { logits[0][..1], logits[1][..1] }, tensor(new long[] { 0 }));
        var m = metrics.Compute();
        Assert.Equal(0, m.WrongLeaves);
        Assert.Equal(0.0, m.MistakeSeverity);
        Assert.Equal(1.0, m.FullPath);
    }

    [Fact]
    public void BatchesAddUpToTheWhole()
    {
        var hierarchy = BuiltInHierarchies.FashionMnist();
        var generator = new Generator(7);
        var logits = hierarchy.ClassCounts.Select(c => randn(new long[] { 50, c }, generator: generator)).ToArray();
        var leaves = randint(0, 10, new long[] { 50 }, generator: generator);
        var whole = new MetricsAccumulator(hierarchy);
        whole.Add(logits, leaves);
        var parts = new MetricsAccumulator(hierarchy);
        foreach (var (from, to) in new[] { (0, 13), (13, 14), (14, 50) })
            parts.Add(logits.Select(t => t[from..to]).ToArray(), leaves[from..to]);
        var a = whole.Compute();
        var b = parts.Compute();
        Assert.Equal(50, b.Samples);
        Assert.Equal(a.Levels, b.Levels);
        Assert.Equal((a.FullPath, a.Consistency, a.MistakeSeverity), (b.FullPath, b.Consistency, b.MistakeSeverity));
        for (int l = 0; l < 3; l++)
            for (int t = 0; t < hierarchy.ClassesAt(l + 1); t++)
                for (int p = 0; p < hierarchy.ClassesAt(l + 1); p++)
                    Assert.Equal(a.Confusion[l][t, p], b.Confusion[l][t, p]);
    }

    [Fact]
    public void MetricsMatchAPerSampleReference()
    {
        var hierarchy = BuiltInHierarchies.FashionMnist();
        var generator = new Generator(11);
        var logits = hierarchy.ClassCounts.Select(c => randn(new long[] { 200, c }, generator: generator)).ToArray();
        var leaves = randint(0, 10, new long[] { 200 }, generator: generator);
        var metrics = new MetricsAccumulator(hierarchy);
        metrics.Add(logits, leaves);
        var m = metrics.Compute();

        var predicted = logits.Select(t => t.argmax(1).data<long>().ToArray()).ToArray();
        var truth = leaves.data<long>().ToArray();
        int fullPath = 0, consistent = 0, wrong = 0, heights = 0;
        var top1 = new int[3];
        for (int i = 0; i < 200; i++)
        {
            int leaf = (int)truth[i];
            bool all = true;
            for (int l = 0; l < 3; l++)
            {
                bool right = predicted[l][i] == hierarchy.AncestorAt(leaf, l + 1);
                top1[l] += right ? 1 : 0;
                all &= right;
            }
            fullPath += all ? 1 : 0;
            var leafNode = hierarchy.Node(3, (int)predicted[2][i]);
            var typeNode = hierarchy.Node(2, (int)predicted[1][i]);
            bool valid = leafNode.Parent == typeNode.Index && hierarchy.Nodes[typeNode.Parent].LocalIndex == predicted[0][i];
            consistent += valid ? 1 : 0;
            if (predicted[2][i] != leaf)
            {
                wrong++;
                heights += hierarchy.LcaHeight((int)predicted[2][i], leaf);
            }
        }
        Assert.Equal(top1.Select(c => c / 200.0), m.Levels.Select(l => l.Top1));
        Assert.Equal(fullPath / 200.0, m.FullPath);
        Assert.Equal(consistent / 200.0, m.Consistency);
        Assert.Equal(wrong, m.WrongLeaves);
        Assert.Equal((double)heights / wrong, m.MistakeSeverity, 12);
        Assert.True(m.Consistency < 1);             // random logits do contradict the tree
    }

    [Fact]
    public void LogitsThatRequireGradAreAccepted()
    {
        var logits = Logits().Select(t => t.requires_grad_()).ToArray();
        var metrics = new MetricsAccumulator(TwoLevels, Decoding.Consistent);
        metrics.Add(logits, Leaves());
        Assert.Equal(0.5, metrics.Compute().FullPath);
    }

    [Fact]
    public void BadShapesAndLeafIdsAreErrors()
    {
        var metrics = new MetricsAccumulator(TwoLevels);
        var logits = Logits();
        Assert.Throws<ArborException>(() => metrics.Add(new[] { logits[0] }, Leaves()));
        Assert.Throws<ArborException>(() => metrics.Add(new[] { logits[1], logits[0] }, Leaves()));
        Assert.Throws<ArborException>(() => metrics.Add(logits, tensor(new long[] { 0, 1 })));
        Assert.Throws<ArborException>(() => metrics.Add(logits, tensor(new float[] { 0, 1, 2, 3 })));
        Assert.Contains("out of range", Assert.Throws<ArborException>(() => metrics.Add(logits, tensor(new long[] { 0, 1, 2, 4 }))).Message);
        Assert.Throws<ArborException>(() => metrics.Compute());
    }
}
