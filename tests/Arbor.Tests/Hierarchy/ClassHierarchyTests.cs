using Arbor.Hierarchy;

namespace Arbor.Tests.Hierarchy;

public class ClassHierarchyTests
{
    readonly ClassHierarchy _fashion = BuiltInHierarchies.FashionMnist();

    [Fact]
    public void FashionMnistHasTwoSixTenClassesInGlobalOrder()
    {
        Assert.Equal(new[] { 2, 6, 10 }, _fashion.ClassCounts);
        Assert.Equal(new[] { "group", "type", "item" }, _fashion.LevelNames);
        Assert.Equal(18, _fashion.Nodes.Count);
        Assert.Equal(new[] { 0, 2, 8 }, new[] { _fashion.LevelOffset(1), _fashion.LevelOffset(2), _fashion.LevelOffset(3) });
        for (int g = 0; g < _fashion.Nodes.Count; g++)
        {
            var node = _fashion.Nodes[g];
            Assert.Equal(g, node.Index);
            Assert.Equal(g, _fashion.LevelOffset(node.Level) + node.LocalIndex);
            // Levels never go back: the global order is all of level 1, then level 2, …
            if (g > 0) Assert.True(_fashion.Nodes[g - 1].Level <= node.Level);
        }
    }

    [Fact]
    public void ParentsAndChildrenAgree()
    {
        foreach (var node in _fashion.Nodes)
        {
            if (node.Level == 1) Assert.Equal(-1, node.Parent);
            else
            {
                var parent = _fashion.Nodes[node.Parent];
                Assert.Equal(node.Level - 1, parent.Level);
                Assert.Contains(node.Index, parent.Children);
            }
            foreach (var child in node.Children) Assert.Equal(node.Index, _fashion.Nodes[child].Parent);
            Assert.Equal(node.Level == 3, node.Children.Count == 0);
        }
    }

    [Fact]
    public void LeafPathsFollowTheFashionMnistTree()
    {
        Assert.Equal(new[] { 0, 0, 0 }, _fashion.PathOf(0));        // T-shirt/top: clothes > tops
        Assert.Equal(new[] { 0, 1, 1 }, _fashion.PathOf(1));        // Trouser: clothes > bottoms
        Assert.Equal(new[] { 1, 4, 5 }, _fashion.PathOf(5));        // Sandal: goods > shoes
        Assert.Equal(new[] { 1, 5, 8 }, _fashion.PathOf(8));        // Bag: goods > accessories
        Assert.Equal("accessories", _fashion.Node(2, _fashion.AncestorAt(8, 2)).Name);
        Assert.Equal(8, _fashion.LeafId("Bag"));
        Assert.Throws<KeyNotFoundException>(() => _fashion.LeafId("Hat"));
        var maps = _fashion.LevelOfLeaf();
        for (int leaf = 0; leaf < 10; leaf++)
            for (int level = 1; level <= 3; level++)
                Assert.Equal(_fashion.AncestorAt(leaf, level), maps[level - 1][leaf]);
    }

    [Fact]
    public void LcaHeightCountsLevelsBelowTheCommonAncestor()
    {
        Assert.Equal(0, _fashion.LcaHeight(0, 0));
        Assert.Equal(1, _fashion.LcaHeight(0, 2));   // T-shirt/top, Pullover: both tops
        Assert.Equal(2, _fashion.LcaHeight(0, 1));   // T-shirt/top, Trouser: both clothes
        Assert.Equal(3, _fashion.LcaHeight(0, 8));   // T-shirt/top, Bag: only the root
        Assert.Equal(6, _fashion.TreeDistance(0, 8));
        for (int a = 0; a < 10; a++)
            for (int b = 0; b < 10; b++)
            {
                Assert.Equal(_fashion.LcaHeight(a, b), _fashion.LcaHeight(b, a));
                Assert.Equal(a == b, _fashion.LcaHeight(a, b) == 0);
            }
    }

    [Fact]
    public void DescendantsOfANode()
    {
        Assert.Equal(new[] { 0, 2, 6, 1, 3, 4 }, _fashion.DescendantLeaves(0));     // clothes, in child order
        Assert.Equal(new[] { 5, 7, 9, 8 }, _fashion.DescendantLeaves(1));           // goods
        Assert.Equal(new[] { 8 }, _fashion.DescendantLeaves(_fashion.LevelOffset(3) + 8));
        var goods = _fashion.Descendants(1);
        Assert.Equal(new[] { "shoes", "accessories", "Sandal", "Sneaker", "Ankle boot", "Bag" },
            goods.Select(g => _fashion.Nodes[g].Name));
        Assert.Empty(_fashion.Descendants(_fashion.LevelOffset(3)));
    }

    [Fact]
    public void LevelIndexFindsLevelNamesAndRejectsUnknownOnes()
    {
        Assert.Equal(2, _fashion.LevelIndex("type"));
        Assert.Equal(3, _fashion.LevelIndex("ITEM"));
        var e = Assert.Throws<HierarchyException>(() => _fashion.LevelIndex("species"));
        Assert.Contains("unknown level name 'species'", e.Message);
        Assert.Contains("group, type, item", e.Message);
    }

    [Fact]
    public void ParentAtLevelAboveMapsLocalIds()
    {
        var parents = _fashion.ParentAtLevelAbove();
        Assert.All(parents[0], p => Assert.Equal(-1, p));
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1 }, parents[1]);     // tops, bottoms, dresses, outers | shoes, accessories
        Assert.Equal(new[] { 0, 1, 0, 2, 3, 4, 0, 4, 5, 4 }, parents[2]);
    }

    [Fact]
    public void ConstructorRejectsMalformedStructure()
    {
        string[] levels = { "coarse", "fine" };
        Assert.Contains("is empty", Assert.Throws<HierarchyException>(() => new ClassHierarchy("x", levels,
            new IReadOnlyList<string>[] { new[] { "a" }, Array.Empty<string>() },
            new IReadOnlyList<int>[] { Array.Empty<int>(), Array.Empty<int>() })).Message);
        Assert.Contains("out of range", Assert.Throws<HierarchyException>(() => new ClassHierarchy("x", levels,
            new IReadOnlyList<string>[] { new[] { "a" }, new[] { "b" } },
            new IReadOnlyList<int>[] { Array.Empty<int>(), new[] { 3 } })).Message);
        var childless = Assert.Throws<HierarchyException>(() => new ClassHierarchy("x", levels,
            new IReadOnlyList<string>[] { new[] { "a", "b" }, new[] { "c" } },
            new IReadOnlyList<int>[] { Array.Empty<int>(), new[] { 0 } }));
        Assert.Equal("b", childless.Node);
        Assert.Contains("unbalanced", childless.Message);
    }

    [Fact]
    public void ANameMayRepeatAcrossLevelsAndShowsWithItsLevel()
    {
        // Food-101 in HGCLIP: the dish "pizza" sits under the category "pizza". Names are unique per level, not per path.
        var h = ClassHierarchy.FromLeafPaths("food", new[] { "category", "class" },
            new IReadOnlyList<string>[] { new[] { "pizza", "pizza" }, new[] { "noodles", "ramen" }, new[] { "noodles", "pho" } });
        Assert.Equal(new[] { 2, 3 }, h.ClassCounts);
        Assert.True(h.TryFind(1, "pizza", out var coarse));
        Assert.True(h.TryFind(2, "pizza", out var fine));
        Assert.Equal(coarse.Index, fine.Parent);
        Assert.Equal(0, h.LeafId("pizza"));
        Assert.Equal("pizza (category)", h.DisplayName(coarse));
        Assert.Equal("pizza (class)", h.DisplayName(fine));
        Assert.Equal("ramen", h.DisplayName(h.Node(2, 1)));
        Assert.Equal("pizza", fine.Name);
    }

    [Fact]
    public void ARepeatedNameStillCannotHaveTwoParents()
    {
        var e = Assert.Throws<HierarchyException>(() => ClassHierarchy.FromLeafPaths("x", new[] { "a", "b", "c" },
            new IReadOnlyList<string>[] { new[] { "g", "g", "i" }, new[] { "h", "g", "j" } }, "f.txt", new[] { 3, 7 }));
        Assert.Equal(7, e.Line);
        Assert.Equal("g", e.Node);
        Assert.Contains("two parents", e.Message);
    }
}
