using Arbor.Data;
using Arbor.Data.Points;
using Arbor.Hierarchy;

namespace Arbor.Tests.Points;

public class ShapeSetTests
{
    [Fact]
    public void TheSameSeedGivesTheSameCloudsAndAnotherSeedOthers()
    {
        var h = BuiltInHierarchies.Shapes();
        var leafOf = Enumerable.Range(0, 12).ToArray();
        var a = ShapeSet.Generate("a", h, leafOf, points: 64, perShape: 2, seed: 7, split: 0);
        var b = ShapeSet.Generate("b", h, leafOf, points: 64, perShape: 2, seed: 7, split: 0);
        var c = ShapeSet.Generate("c", h, leafOf, points: 64, perShape: 2, seed: 8, split: 0);
        Assert.True(a.Points.eq(b.Points).all().item<bool>());
        Assert.False(a.Points.allclose(c.Points));
        Assert.Equal(new long[] { 24, 64, 3 }, a.Points.shape);
        Assert.Equal(Enumerable.Range(0, 12).Concat(Enumerable.Range(0, 12)), a.Leaves);
    }

    [Fact]
    public void OpenGivesThreeBalancedSplitsOnTheBuiltInHierarchy()
    {
        var splits = ShapeSet.Open(new DatasetOptions { Points = 32, ValidationFraction = 0.25 }, poolPerShape: 8, testPerShape: 3);
        Assert.Equal(new[] { 2, 4, 12 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(96, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(24, splits.Validation.Count);
        Assert.All(splits.Test.CountPerLeaf(), n => Assert.Equal(3, n));
        Assert.Equal("sphere", splits.Hierarchy.Node(3, splits.Test.LeafOf(0)).Name);
        var clouds = (PointCloudDataset)splits.Test.Resolve(0).Source;
        // Size at most 1 plus noise: every point lies within the unit sphere (a little margin for the 0.01 noise).
        var radius = clouds.Points.pow(2).sum(2).sqrt().max().item<float>();
        Assert.InRange(radius, 0.55f, 1.05f);
    }

    [Fact]
    public void MeshSamplingIsUniformByArea()
    {
        // Two triangles in one plane, areas 3 : 1: three quarters of the points must fall on the first.
        var mesh = new TriangleMesh(new double[] { 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, -1, 0, 0, 0, -2, 0 },
            new[] { 0, 1, 2, 3, 4, 5 });
        var points = mesh.SamplePoints(20_000, new Random(1))!;
        int onFirst = 0;
        for (int i = 0; i < 20_000; i++)
        {
            double x = points[3 * i], y = points[3 * i + 1];
            if (x >= 0 && y >= 0) { onFirst++; Assert.True(x / 3 + y / 2 <= 1 + 1e-6); }
            else Assert.True(x <= 0 && y <= 0 && -x - y / 2 <= 1 + 1e-6);
        }
        Assert.InRange(onFirst / 20_000.0, 0.74, 0.76);
        Assert.Null(new TriangleMesh(new double[] { 0, 0, 0, 1, 1, 1, 2, 2, 2 }, new[] { 0, 1, 2 }).SamplePoints(4, new Random(1)));
    }

    [Fact]
    public void PreviewDrawsTheCloudOnWhite()
    {
        var splits = ShapeSet.Open(new DatasetOptions { Points = 256 }, poolPerShape: 2, testPerShape: 1);
        using var image = splits.Test.GetImage(0);
        Assert.Equal(new long[] { 3, PointCloudDataset.PreviewSize, PointCloudDataset.PreviewSize }, image.shape);
        var dark = image.lt(0.9f).sum().item<long>();
        Assert.InRange(dark, 30, image.numel() / 2);          // points drawn, most of the frame still background
        Assert.Equal(1f, image[0, 0, 0].item<float>());
    }
}
