using System.Text;
using Arbor.Hierarchy;

namespace Arbor.Tests.Fuzz;

/// <summary>Random valid inputs: class trees, names, and the files they are written as.</summary>
public static class Generators
{
    static readonly string[] Syllables = ["ka", "lo", "mi", "te", "ra", "zu", "no", "shi", "é", "ü", "猫", "🐟", "x y", "a-b", "c'd", "q,r", "\"q\""];

    /// <summary>A name of 1–4 syllables, unique within <paramref name="taken"/>.</summary>
    public static string Name(Random rng, HashSet<string> taken)
    {
        while (true)
        {
            var sb = new StringBuilder();
            int n = 1 + rng.Next(4);
            for (int i = 0; i < n; i++) sb.Append(Syllables[rng.Next(Syllables.Length)]);
            sb.Append(rng.Next(100));
            var name = sb.ToString();
            if (taken.Add(name)) return name;
        }
    }

    /// <summary>Root-to-leaf paths of a random balanced tree (1–4 levels, 1–4 children per node), names unique per level.</summary>
    public static (string[] Levels, List<string[]> Paths) Tree(Random rng, bool plainNames = false)
    {
        int depth = 1 + rng.Next(4);
        var taken = Enumerable.Range(0, depth).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        var paths = new List<string[]>();
        void Grow(List<string> prefix)
        {
            if (prefix.Count == depth) { paths.Add(prefix.ToArray()); return; }
            int children = prefix.Count == depth - 1 ? 1 + rng.Next(4) : 1 + rng.Next(3);
            for (int c = 0; c < children; c++)
            {
                var name = plainNames ? $"n{prefix.Count}_{taken[prefix.Count].Count}" : Name(rng, taken[prefix.Count]);
                if (plainNames) taken[prefix.Count].Add(name);
                prefix.Add(name);
                Grow(prefix);
                prefix.RemoveAt(prefix.Count - 1);
            }
        }
        int roots = 1 + rng.Next(3);
        for (int r = 0; r < roots; r++) Grow(new List<string>());
        while (paths.Count < 2) Grow(new List<string>());   // a hierarchy file must name two classes or more
        var levels = Enumerable.Range(1, depth).Select(l => $"lv{l}").ToArray();
        return (levels, paths);
    }

    /// <summary>The tree as a JSON file (levels + nested objects, leaves in arrays).</summary>
    public static string Json((string[] Levels, List<string[]> Paths) tree)
    {
        var sb = new StringBuilder("{\"levels\": [").Append(string.Join(", ", tree.Levels.Select(Quote))).Append("], \"tree\": ");
        void Write(IEnumerable<string[]> paths, int level)
        {
            var group = paths.ToList();
            if (level == tree.Levels.Length - 1)
            {
                sb.Append('[').Append(string.Join(", ", group.Select(p => Quote(p[level])))).Append(']');
                return;
            }
            sb.Append('{');
            bool first = true;
            foreach (var child in group.GroupBy(p => p[level]))
            {
                if (!first) sb.Append(", ");
                first = false;
                sb.Append(Quote(child.Key)).Append(": ");
                Write(child, level + 1);
            }
            sb.Append('}');
        }
        Write(tree.Paths, 0);
        return sb.Append('}').ToString();
    }

    /// <summary>The tree as label-path rows, finest first, with a levels comment.</summary>
    public static string Txt((string[] Levels, List<string[]> Paths) tree) =>
        "# levels: " + string.Join(", ", tree.Levels) + "\n" +
        string.Join("\n", tree.Paths.Select(p => string.Join(", ", p.Reverse().Select(CsvQuote)))) + "\n";

    /// <summary>The tree as CSV: a header of level names, rows coarse → fine.</summary>
    public static string Csv((string[] Levels, List<string[]> Paths) tree) =>
        string.Join(",", tree.Levels) + "\n" + string.Join("\n", tree.Paths.Select(p => string.Join(",", p.Select(CsvQuote)))) + "\n";

    static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    static string CsvQuote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>Asserts the invariants every loaded hierarchy keeps, whatever file it came from.</summary>
    public static void CheckHierarchy(ClassHierarchy h)
    {
        Assert.InRange(h.Depth, 1, Arbor.IO.InputLimits.HierarchyLevels);
        Assert.Equal(h.LevelNames.Count, h.LevelNames.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        for (int level = 1; level <= h.Depth; level++)
        {
            var nodes = h.NodesAt(level);
            Assert.NotEmpty(nodes);
            Assert.Equal(nodes.Count, nodes.Select(n => n.Name).Distinct(StringComparer.Ordinal).Count());
            foreach (var n in nodes)
            {
                Assert.False(string.IsNullOrWhiteSpace(n.Name));
                Assert.Null(Arbor.IO.TextInput.NameProblem(n.Name));
                if (level < h.Depth) Assert.NotEmpty(n.Children);
            }
        }
        for (int leaf = 0; leaf < h.LeafCount; leaf++) Assert.Equal(h.Depth, h.PathOf(leaf).Count);
    }
}
