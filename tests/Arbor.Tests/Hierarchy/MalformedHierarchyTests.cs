using Arbor.Hierarchy;

namespace Arbor.Tests.Hierarchy;

/// <summary>Every kind of broken hierarchy file gives an error naming the file, the line and (when there is one) the node.</summary>
public class MalformedHierarchyTests
{
    public static TheoryData<string, string, int?, string, string?> Cases => new()
    {
        // file name, content, expected line, expected problem, expected node
        { "two-parents.json", "{ \"levels\": [\"g\",\"t\",\"i\"],\n \"tree\": {\n  \"a\": { \"x\": [\"p\"] },\n  \"b\": { \"x\": [\"q\"] }\n }\n}", 4, "two parents", "x" },
        { "duplicate-leaf.json", "{ \"tree\": {\n \"a\": [\"x\"],\n \"b\": [\"y\", \"x\"] } }", 3, "duplicate leaf (first on line 2)", "x" },
        { "duplicate-key.json", "{ \"tree\": {\n \"a\": [\"x\"],\n \"a\": [\"y\"] } }", 3, "appears twice", "a" },
        { "too-short.json", "{ \"levels\": [\"g\",\"t\",\"i\"], \"tree\": {\n \"a\": { \"b\": [\"x\"] },\n \"c\": [\"y\"] } }", 3, "unbalanced tree: branch too short", "y" },
        { "too-deep.json", "{ \"tree\": {\n \"a\": [\"x\"],\n \"b\": { \"c\": [\"y\"] } } }", 3, "unbalanced tree: branch too deep", "y" },
        { "empty-subtree.json", "{ \"tree\": {\n \"a\": [\"x\"],\n \"b\": [] } }", 3, "empty subtree", "b" },
        { "empty-object.json", "{ \"tree\": {\n \"a\": { \"b\": [\"x\"] },\n \"c\": { } } }", 3, "empty subtree", "c" },
        { "empty-tree.json", "{ \"levels\": [\"g\"],\n \"tree\": { } }", 2, "empty tree", null },
        { "level-count.json", "{\n \"levels\": [\"g\",\"t\",\"i\"],\n \"tree\": { \"a\": [\"x\"] } }", 2, "\"levels\" names 3 levels", null },
        { "empty-levels.json", "{\n \"levels\": [],\n \"tree\": { \"a\": [\"x\"] } }", 2, "\"levels\" is empty", null },
        { "invalid.json", "{ \"tree\": {\n \"a\" [\"x\"] } }", 2, "invalid JSON", null },
        { "truncated.json", "{ \"tree\": {\n \"a\": [\"x\"", 2, "invalid JSON", null },
        { "unknown-key.json", "{ \"tree\": { \"a\": [\"x\"] },\n \"level\": [\"g\"] }", 2, "unknown key \"level\"", null },
        { "leaf-number.json", "{ \"tree\": { \"a\":\n [1] } }", 2, "must be strings", "a" },
        { "empty.json", "  \n", null, "empty file", null },
        { "one-class.txt", "x, a, g\n", null, "names a single class at its finest level", "x" },
        { "one-class.json", "{ \"tree\": { \"a\": [\"x\"] } }", null, "names a single class at its finest level", "x" },
        { "short-row.txt", "x, a, g\ny, b\n", 2, "unbalanced tree: branch too short", "y" },
        { "deep-row.txt", "# levels: g, t, i\nx, a, g\n\ny, b, g, h\n", 4, "unbalanced tree: branch too deep", "y" },
        { "two-parents.txt", "x, a, g1\n# comment\ny, a, g2\n", 3, "two parents", "a" },
        { "duplicate-leaf.txt", "x, a\ny, a\nx, b\n", 3, "duplicate leaf", "x" },
        { "levels-repeated.txt", "# levels: g, t, G\nx, a, g\n", 1, "level name repeated", "G" },
        { "comments-only.txt", "# nothing here\n\n", null, "empty file", null },
        { "unclosed.txt", "x, a\n\"y, b\n", 2, "unclosed quote", null },
        { "header-only.csv", "group,type\n", 1, "no label rows", null },
        { "empty-level.csv", "group,,item\na,b,c\n", 1, "empty level name", null },
        { "deep-row.csv", "group,item\na,x\nb,y,z\n", 3, "branch too deep", "z" },
        { "empty-name.csv", "group,item\na,x\n,y\n", 3, "empty class name", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void NamesFileLineAndNode(string fileName, string content, int? line, string problem, string? node)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File(fileName);
        File.WriteAllText(path, content);
        var e = Assert.Throws<HierarchyException>(() => HierarchyLoader.Load(path));
        Assert.StartsWith(path + (line is null ? ": " : $":{line}: "), e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Equal(line, e.Line);
        if (node is not null) Assert.Equal(node, e.Node);
        Assert.Equal(path, e.File);
    }
}
