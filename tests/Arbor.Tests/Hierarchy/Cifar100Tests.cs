using Arbor.Hierarchy;

namespace Arbor.Tests.Hierarchy;

public class Cifar100Tests
{
    readonly ClassHierarchy _cifar = BuiltInHierarchies.Get("CIFAR-100");

    // The coarse label of every fine label, as stored in the dataset's train/test files (fine id order).
    static readonly int[] DatasetCoarseOfFine =
    {
        4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11, 6, 11, 5, 10, 7, 6, 13, 15, 3, 15,
        0, 11, 1, 10, 12, 14, 16, 9, 11, 5, 5, 19, 8, 8, 15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17,
        10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13, 16, 19, 2, 4, 6, 19, 5, 5, 8, 19,
        18, 1, 2, 15, 6, 0, 17, 8, 14, 13,
    };

    [Fact]
    public void TwentySuperclassesOfFiveClasses()
    {
        Assert.Equal(new[] { 20, 100 }, _cifar.ClassCounts);
        Assert.All(_cifar.NodesAt(1), coarse => Assert.Equal(5, coarse.Children.Count));
    }

    [Fact]
    public void IdsFollowTheDatasetLabelOrder()
    {
        var fine = _cifar.NodesAt(2).Select(n => n.Name).ToArray();
        Assert.Equal("apple", fine[0]);
        Assert.Equal("aquarium_fish", fine[1]);
        Assert.Equal("worm", fine[99]);
        Assert.Equal(fine.OrderBy(n => n, StringComparer.Ordinal), fine);
        var coarse = _cifar.NodesAt(1).Select(n => n.Name).ToArray();
        Assert.Equal("aquatic_mammals", coarse[0]);
        Assert.Equal("large_man-made_outdoor_things", coarse[9]);
        Assert.Equal("vehicles_2", coarse[19]);
        Assert.Equal(coarse.OrderBy(n => n, StringComparer.Ordinal), coarse);
        Assert.Equal(DatasetCoarseOfFine, Enumerable.Range(0, 100).Select(leaf => _cifar.AncestorAt(leaf, 1)));
    }

    [Theory]
    [InlineData("apple", "fruit_and_vegetables")]
    [InlineData("whale", "aquatic_mammals")]
    [InlineData("maple_tree", "trees")]
    [InlineData("bicycle", "vehicles_1")]
    [InlineData("tractor", "vehicles_2")]
    [InlineData("keyboard", "household_electrical_devices")]
    [InlineData("worm", "non-insect_invertebrates")]
    public void KnownMappings(string fine, string coarse) =>
        Assert.Equal(coarse, _cifar.Node(1, _cifar.AncestorAt(_cifar.LeafId(fine), 1)).Name);

    [Fact]
    public void UnknownBuiltInNameListsTheKnownOnes()
    {
        Assert.Null(BuiltInHierarchies.TryGet("imagenet-21k"));
        Assert.Contains("fashion-mnist, cifar-100", Assert.Throws<HierarchyException>(() => BuiltInHierarchies.Get("imagenet-21k")).Message);
    }
}
