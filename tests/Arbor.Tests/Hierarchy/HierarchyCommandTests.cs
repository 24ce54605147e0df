using System.Text.Json;
using Arbor.Cli;

namespace Arbor.Tests.Hierarchy;

public class HierarchyCommandTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void ShowFashionMnistPrintsTheTreeAndCounts()
    {
        var (code, output, error) = Run("hierarchy", "show", "fashion-mnist");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("group: 2, type: 6, item: 10", output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 18, lines.Length);
        Assert.Equal("clothes [0]", lines[1]);
        Assert.Equal("  tops [0]", lines[2]);
        Assert.Equal("    T-shirt/top [0]", lines[3]);
    }

    [Fact]
    public void ShowCifar100CountsTwentyAndAHundred()
    {
        var (code, output, _) = Run("hierarchy", "show", "cifar-100");
        Assert.Equal(0, code);
        Assert.Contains("superclass: 20, class: 100", output);
        Assert.Contains("  apple [0]", output);
    }

    [Fact]
    public void DepthLimitsThePrintedLevels()
    {
        var (code, output, _) = Run("hierarchy", "show", "cifar-100", "--depth", "1");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 20, lines.Length);
        Assert.Equal("aquatic_mammals [0]  (5 leaves)", lines[1]);
        Assert.NotEqual(0, Run("hierarchy", "show", "cifar-100", "--depth", "0").Code);
    }

    [Fact]
    public void JsonListsLevelsAndNodesWithGlobalIndices()
    {
        var (code, output, _) = Run("hierarchy", "show", "fashion-mnist", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var levels = doc.RootElement.GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal(new[] { 2, 6, 10 }, levels.Select(l => l.GetProperty("classes").GetInt32()));
        Assert.Equal(new[] { "group", "type", "item" }, levels.Select(l => l.GetProperty("name").GetString()));
        var nodes = doc.RootElement.GetProperty("nodes").EnumerateArray().ToArray();
        Assert.Equal(18, nodes.Length);
        Assert.Equal(JsonValueKind.Null, nodes[0].GetProperty("parent").ValueKind);
        var bag = nodes.Single(n => n.GetProperty("name").GetString() == "Bag");
        Assert.Equal(16, bag.GetProperty("index").GetInt32());
        Assert.Equal(8, bag.GetProperty("local_index").GetInt32());
        Assert.Equal("accessories", nodes[bag.GetProperty("parent").GetInt32()].GetProperty("name").GetString());
    }

    [Fact]
    public void CheckAcceptsAGoodFile()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("fashion.txt");
        File.WriteAllText(path, HierarchyLoaderTests.FashionRows);
        var (code, output, error) = Run("hierarchy", "check", path);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal("ok: 3 levels, counts group: 2, type: 6, item: 10", output.Trim());
        (code, output, error) = Run("hierarchy", "check", path, "--json");
        Assert.True(code == 0, error);
        var root = System.Text.Json.JsonDocument.Parse(output).RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(path, root.GetProperty("file").GetString());
        Assert.Equal(new[] { ("group", 2), ("type", 6), ("item", 10) },
            root.GetProperty("levels").EnumerateArray().Select(l => (l.GetProperty("name").GetString()!, l.GetProperty("classes").GetInt32())));
    }

    [Fact]
    public void ShowDisambiguatesANameSharedByTwoLevels()
    {
        using var temp = TestPaths.NewTempFolder();
        var json = temp.File("food.json");
        File.WriteAllText(json, "{ \"levels\": [\"category\", \"dish\"], \"tree\": {\n \"pizza\": [\"pizza\"],\n \"noodles\": [\"pho\", \"ramen\"] } }");
        var txt = temp.File("food.txt");
        File.WriteAllText(txt, "# levels: category, dish\npizza, pizza\npho, noodles\nramen, noodles\n");
        foreach (var path in new[] { json, txt })
        {
            var (code, output, error) = Run("hierarchy", "show", path);
            Assert.Equal("", error);
            Assert.Equal(0, code);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("pizza (category) [0]", lines[1]);
            Assert.Equal("  pizza (dish) [0]", lines[2]);
            Assert.Equal("  pho [1]", lines[4]);
        }
    }

    [Theory]
    [InlineData("two-parents.json", "{ \"tree\": {\n \"a\": { \"x\": [\"p\"] },\n \"b\": { \"x\": [\"q\"] } } }", ":3: node has two parents")]
    [InlineData("short.txt", "x, a, g\ny, b\n", ":2: unbalanced tree")]
    [InlineData("broken.json", "{ \"tree\": [", ": invalid JSON")]
    [InlineData("dup.csv", "group,item\na,x\nb,x\n", ":3: duplicate leaf")]
    public void CheckAndShowRejectMalformedFiles(string name, string content, string problem)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File(name);
        File.WriteAllText(path, content);
        foreach (var verb in new[] { "check", "show" })
        {
            var (code, output, error) = Run("hierarchy", verb, path);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.StartsWith($"error: {path}", error);
            Assert.Contains(problem, error);
        }
    }

    [Fact]
    public void MissingFileIsAnError()
    {
        var (code, _, error) = Run("hierarchy", "check", "/nonexistent/tree.json");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/tree.json", error);
    }

    [Fact]
    public void HelpDescribesEachCommand()
    {
        foreach (var args in new[] { new[] { "hierarchy", "--help" }, new[] { "hierarchy", "show", "--help" }, new[] { "hierarchy", "check", "--help" } })
        {
            var (code, output, _) = Run(args);
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
        }
        Assert.Contains("--depth", Run("hierarchy", "show", "--help").Out);
    }
}
