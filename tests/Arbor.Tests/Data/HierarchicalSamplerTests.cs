using Arbor.Data;
using Arbor.Hierarchy;

namespace Arbor.Tests.Data;

public class HierarchicalSamplerTests
{
    [Fact]
    public void GroupsHoldAnchorSameLeafSiblingAndOtherBranch()
    {
        var h = DataFixtures.TwoByTwo();
        var leaves = Enumerable.Range(0, 40).Select(i => i % 4).ToArray();
        var plan = HierarchicalSampler.Plan(leaves, h, batchSize: 8, dropLast: false, seed: 1, epoch: 0);
        Assert.Equal(5, plan.Length);
        foreach (var batch in plan)
        {
            Assert.Equal(0, batch.Length % 4);
            for (int g = 0; g < batch.Length; g += 4)
            {
                int a = batch[g], same = batch[g + 1], sib = batch[g + 2], far = batch[g + 3];
                Assert.NotEqual(a, same);
                Assert.Equal(leaves[a], leaves[same]);
                Assert.NotEqual(leaves[a], leaves[sib]);
                Assert.Equal(h.AncestorAt(leaves[a], 1), h.AncestorAt(leaves[sib], 1));
                Assert.NotEqual(h.AncestorAt(leaves[a], 1), h.AncestorAt(leaves[far], 1));
            }
        }
        // Anchors run through a permutation: the first 40 / 4 = 10 anchors are distinct.
        var anchors = plan.SelectMany(b => b.Where((_, i) => i % 4 == 0)).ToArray();
        Assert.Equal(anchors.Length, anchors.Distinct().Count());
        Assert.Equal(plan.SelectMany(b => b), HierarchicalSampler.Plan(leaves, h, 8, false, 1, 0).SelectMany(b => b));
        Assert.NotEqual(plan.SelectMany(b => b), HierarchicalSampler.Plan(leaves, h, 8, false, 1, 1).SelectMany(b => b));
    }

    [Fact]
    public void FallsBackWhenPartnersCannotExist()
    {
        // One level-1 class, leaves with a single image: partners fall back instead of failing.
        var h = ClassHierarchy.FromLeafPaths("one", new[] { "top", "leaf" }, new IReadOnlyList<string>[] { new[] { "t", "a" }, new[] { "t", "b" } });
        var plan = HierarchicalSampler.Plan(new[] { 0, 1 }, h, 4, false, 0, 0);
        var batch = Assert.Single(plan);
        Assert.Equal(batch[0], batch[1]);                 // lone image: its own positive
        Assert.NotEqual(batch[0], batch[2]);              // sibling leaf exists
    }

    [Fact]
    public void LoaderUsesTheSampler()
    {
        var data = DataFixtures.Counting(16);
        var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 8, Sampler = SamplerKind.Hierarchical, Prefetch = 0 });
        using var batch = loader.GetBatches(0).First();
        Assert.Equal(8, batch.Count);
        Assert.Equal(batch.Indices[0] % 4, batch.Indices[1] % 4);
    }
}
