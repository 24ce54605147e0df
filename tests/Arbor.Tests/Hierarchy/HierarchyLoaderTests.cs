using Arbor.Hierarchy;

namespace Arbor.Tests.Hierarchy;

public class HierarchyLoaderTests
{
    // Fashion-MNIST's tree, leaves written in label order so the leaf ids match the built-in.
    internal const string SmallJson = """
        {
          "levels": ["group", "type", "item"],
          "tree": {
            "clothes": {
              "tops": ["T-shirt/top"],
              "bottoms": ["Trouser"]
            },
            // comments and trailing commas are allowed
            "clothes2": { "tops2": ["Pullover",], },
          }
        }
        """;

    internal const string FashionRows = """
        # Fashion-MNIST, finest first
        # levels: group, type, item
        T-shirt/top, tops, clothes
        Trouser, bottoms, clothes
        Pullover, tops, clothes
        Dress, dresses, clothes
        Coat, outers, clothes

        Sandal, shoes, goods
        Shirt, tops, clothes
        Sneaker, shoes, goods
        Bag, accessories, goods
        Ankle boot, shoes, goods
        """;

    static void AssertSameTree(ClassHierarchy expected, ClassHierarchy actual)
    {
        Assert.Equal(expected.LevelNames, actual.LevelNames);
        Assert.Equal(expected.ClassCounts, actual.ClassCounts);
        Assert.Equal(expected.Nodes.Select(n => (n.Name, n.Level, n.LocalIndex, n.Parent)),
            actual.Nodes.Select(n => (n.Name, n.Level, n.LocalIndex, n.Parent)));
    }

    [Fact]
    public void BuiltInNamesLoadWithoutAFile()
    {
        Assert.Equal(new[] { 2, 6, 10 }, HierarchyLoader.Load("fashion-mnist").ClassCounts);
        Assert.Equal(new[] { 20, 100 }, HierarchyLoader.Load("cifar100").ClassCounts);
    }

    [Fact]
    public void TextRowsFinestFirstGiveTheBuiltInTree()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("fashion.txt");
        File.WriteAllText(path, FashionRows);
        var loaded = HierarchyLoader.Load(path);
        AssertSameTree(BuiltInHierarchies.FashionMnist(), loaded);
        Assert.Equal("fashion", loaded.Name);
    }

    [Fact]
    public void TextRowsWithoutLevelNamesGetNumberedLevels()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("plain.txt");
        File.WriteAllText(path, "a1, a\na2, a\nb1, b\n\"b, 2\", b\n");
        var loaded = HierarchyLoader.Load(path);
        Assert.Equal(new[] { "level1", "level2" }, loaded.LevelNames);
        Assert.Equal(new[] { 2, 4 }, loaded.ClassCounts);
        Assert.Equal(3, loaded.LeafId("b, 2"));
        Assert.Equal(1, loaded.AncestorAt(3, 1));
    }

    [Fact]
    public void CsvHeaderNamesTheLevelsCoarseToFine()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("fashion.csv");
        var rows = FashionRows.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => string.Join(",", l.Split(',').Select(f => f.Trim()).Reverse()));
        File.WriteAllText(path, "group,type,item\n" + string.Join("\n", rows) + "\n");
        AssertSameTree(BuiltInHierarchies.FashionMnist(), HierarchyLoader.Load(path));
    }

    [Fact]
    public void CsvQuotedFieldsMayHoldCommasAndQuotes()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("shop.csv");
        File.WriteAllText(path, "department,\"product, kind\"\n\"shoes, boots\",\"the \"\"best\"\" boot\"\nbags,tote\n");
        var loaded = HierarchyLoader.Load(path);
        Assert.Equal(new[] { "department", "product, kind" }, loaded.LevelNames);
        Assert.Equal("shoes, boots", loaded.Node(1, 0).Name);
        Assert.Equal("the \"best\" boot", loaded.Node(2, 0).Name);
    }

    [Fact]
    public void JsonTreeKeepsLeafOrderAndLevelNames()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("small.json");
        File.WriteAllText(path, SmallJson);
        var loaded = HierarchyLoader.Load(path);
        Assert.Equal(new[] { "group", "type", "item" }, loaded.LevelNames);
        Assert.Equal(new[] { 2, 3, 3 }, loaded.ClassCounts);
        Assert.Equal(new[] { "T-shirt/top", "Trouser", "Pullover" }, loaded.NodesAt(3).Select(n => n.Name));
        Assert.Equal(new[] { 1, 2, 2 }, loaded.PathOf(2));
    }

    [Fact]
    public void JsonOfTheFullTreeMatchesTheOtherFormats()
    {
        using var temp = TestPaths.NewTempFolder();
        var json = temp.File("fashion.json");
        File.WriteAllText(json, """
            { "name": "fm", "levels": ["group", "type", "item"],
              "tree": { "clothes": { "tops": ["T-shirt/top", "Pullover", "Shirt"], "bottoms": ["Trouser"],
                                     "dresses": ["Dress"], "outers": ["Coat"] },
                        "goods": { "shoes": ["Sandal", "Sneaker", "Ankle boot"], "accessories": ["Bag"] } } }
            """);
        var loaded = HierarchyLoader.Load(json);
        Assert.Equal("fm", loaded.Name);
        Assert.Equal(new[] { 2, 6, 10 }, loaded.ClassCounts);
        // Leaf ids follow the file order here, so compare structure by names.
        var builtIn = BuiltInHierarchies.FashionMnist();
        foreach (var leaf in builtIn.NodesAt(3))
        {
            int id = loaded.LeafId(leaf.Name);
            for (int level = 1; level <= 3; level++)
                Assert.Equal(builtIn.Node(level, builtIn.AncestorAt(leaf.LocalIndex, level)).Name,
                    loaded.Node(level, loaded.AncestorAt(id, level)).Name);
        }
    }

    [Fact]
    public void JsonWithoutLevelsGetsNumberedLevels()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("tree.hier");              // unknown extension: the content decides
        File.WriteAllText(path, """{ "tree": { "a": ["x", "y"], "b": ["z"] } }""");
        var loaded = HierarchyLoader.Load(path);
        Assert.Equal(new[] { "level1", "level2" }, loaded.LevelNames);
        Assert.Equal(new[] { 2, 3 }, loaded.ClassCounts);
    }

    [Fact]
    public void UnknownExtensionWithoutBraceIsReadAsRows()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("labels");
        File.WriteAllText(path, "x, a\ny, b\n");
        Assert.Equal(new[] { 2, 2 }, HierarchyLoader.Load(path).ClassCounts);
    }

    [Fact]
    public void AMissingFileThatIsNoBuiltInNameIsAnError()
    {
        var e = Assert.Throws<HierarchyException>(() => HierarchyLoader.Load("no-such-hierarchy.json"));
        Assert.Contains("no-such-hierarchy.json", e.Message);
        Assert.Contains("fashion-mnist", e.Message);
    }
}
