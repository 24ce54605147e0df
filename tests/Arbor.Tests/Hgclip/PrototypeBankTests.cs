using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Hgclip;

public class PrototypeBankTests
{
    [Fact]
    public void NodesAverageAllImagesUnderThem()
    {
        using var scope = NewDisposeScope();
        var hierarchy = HgclipTestData.Small();
        var features = torch.tensor(new float[,] { { 1, 0 }, { 2, 2 }, { 0, 6 }, { 3, 2 }, { 4, -2 } });
        var leaves = torch.tensor(new long[] { 0, 2, 1, 0, 2 });   // x, z, y, x, z

        var p = Read(PrototypeBank.Compute(hierarchy, features, leaves));
        // x: ([1,0] + [3,2]) / 2; y: [0,6]; z: ([2,2] + [4,-2]) / 2.
        // A: mean of its three images ([1,0], [0,6], [3,2]) = [4/3, 8/3] — not the mean of its children's means [1, 3.5].
        double[][] expected = { new[] { 4.0 / 3, 8.0 / 3 }, new[] { 3.0, 0 }, new[] { 2.0, 1 }, new[] { 0.0, 6 }, new[] { 3.0, 0 } };
        for (int g = 0; g < 5; g++)
            for (int k = 0; k < 2; k++)
                Assert.Equal(expected[g][k], p[g, k], 5);
    }

    [Fact]
    public void MatchesPerNodeMeansOnARandomSplit()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        var hierarchy = BuiltInHierarchies.FashionMnist();
        var leaves = torch.cat(new[] { torch.arange(10L), torch.randint(0, 10, 190) });
        var features = torch.randn(200, 4);
        var actual = PrototypeBank.Compute(hierarchy, features, leaves);
        Assert.Equal(new long[] { 18, 4 }, actual.shape);
        var leafArray = leaves.data<long>().ToArray();
        foreach (var node in hierarchy.Nodes)
        {
            var under = hierarchy.DescendantLeaves(node.Index).Select(l => (long)l).ToHashSet();
            var rows = Enumerable.Range(0, 200).Where(i => under.Contains(leafArray[i])).Select(i => (long)i).ToArray();
            var mean = features.index_select(0, torch.tensor(rows)).mean(new long[] { 0 });
            Assert.True(torch.allclose(mean, actual[node.Index], 1e-5, 1e-6), node.Name);
        }
    }

    [Fact]
    public void ClassWithoutImagesIsAnErrorNamingIt()
    {
        var hierarchy = HgclipTestData.Small();
        var ex = Assert.Throws<ArborException>(() =>
            PrototypeBank.Compute(hierarchy, torch.ones(2, 3), torch.tensor(new long[] { 0, 2 }), source: "train.csv"));
        Assert.Contains("'y'", ex.Message);
        Assert.Contains("train.csv", ex.Message);
    }

    [Fact]
    public void FallbackUsesTheParentOrTheGlobalMean()
    {
        using var scope = NewDisposeScope();
        var hierarchy = ClassHierarchy.FromLeafPaths("h", new[] { "c", "f" },
            new[] { new[] { "A", "x" }, new[] { "A", "y" }, new[] { "B", "z" }, new[] { "C", "w" } });   // A B C x y z w
        var features = torch.tensor(new float[,] { { 2, 0 }, { 0, 4 }, { 4, 8 } });
        var leaves = torch.tensor(new long[] { 0, 0, 2 });   // x, x, z; y and the whole of C are empty
        var p = Read(PrototypeBank.Compute(hierarchy, features, leaves, allowEmpty: true));
        Assert.Equal(new[] { 1.0, 2.0 }, Row(p, 4));          // y ← A = mean of x's images
        Assert.Equal(new[] { 2.0, 4.0 }, Row(p, 2));          // C ← mean of all images
        Assert.Equal(new[] { 2.0, 4.0 }, Row(p, 6));          // w ← C
        Assert.Equal(new[] { 4.0, 8.0 }, Row(p, 1));          // B unchanged
    }

    [Fact]
    public void BadShapesAndLeafIdsAreErrors()
    {
        var hierarchy = HgclipTestData.Small();
        Assert.Throws<ArborException>(() => PrototypeBank.Compute(hierarchy, torch.ones(3), torch.zeros(3, ScalarType.Int64)));
        Assert.Throws<ArborException>(() => PrototypeBank.Compute(hierarchy, torch.ones(3, 2), torch.zeros(2, ScalarType.Int64)));
        var ex = Assert.Throws<ArborException>(() =>
            PrototypeBank.Compute(hierarchy, torch.ones(3, 2), torch.tensor(new long[] { 0, 1, 3 })));
        Assert.Contains("leaf id 3", ex.Message);
    }

    static double[,] Read(Tensor t)
    {
        var d = t.to(ScalarType.Float64).contiguous();
        int r = (int)d.shape[0], c = (int)d.shape[1];
        var flat = d.data<double>().ToArray();
        var a = new double[r, c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) a[i, j] = Math.Round(flat[i * c + j], 5);
        return a;
    }

    static double[] Row(double[,] a, int i) => Enumerable.Range(0, a.GetLength(1)).Select(j => a[i, j]).ToArray();
}
