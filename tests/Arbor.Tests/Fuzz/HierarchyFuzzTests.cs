using System.Text;
using Arbor.Hierarchy;
using Xunit.Abstractions;

namespace Arbor.Tests.Fuzz;

/// <summary>Hierarchy files (.json, .txt, .csv): random trees round-trip; mutated files load to a valid tree or fail closed.</summary>
public sealed class HierarchyFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    public static TheoryData<string> Formats => new() { ".json", ".txt", ".csv" };

    static string Write((string[] Levels, List<string[]> Paths) tree, string format) => format switch
    {
        ".json" => Generators.Json(tree),
        ".txt" => Generators.Txt(tree),
        _ => Generators.Csv(tree),
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Random_trees_round_trip(string format)
    {
        var path = Tmp.File("tree" + format);
        var tally = FuzzHarness.Run($"hierarchy{format}-valid", FuzzSettings.Seed + 1, Math.Max(50, FuzzSettings.Iterations / 5),
            (rng, _) => Generators.Tree(rng),
            tree =>
            {
                File.WriteAllText(path, Write(tree, format));
                return HierarchyLoader.Load(path);
            },
            (tree, h) =>
            {
                Generators.CheckHierarchy(h);
                Assert.Equal(tree.Levels, h.LevelNames);
                Assert.Equal(tree.Paths.Count, h.LeafCount);
                for (int leaf = 0; leaf < h.LeafCount; leaf++)
                {
                    var path = h.PathOf(leaf).Select((local, l) => h.Node(l + 1, local).Name).ToArray();
                    Assert.Equal(tree.Paths[leaf].Select(n => n.Trim()), path);
                }
            });
        Assert.Equal(0, tally.Refused);
        Output.WriteLine($"{format}: {tally.Total} random trees round-tripped");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Mutated_files_load_valid_trees_or_fail_closed(string format)
    {
        Files($"hierarchy{format}", 2 + format.Length, "mutant" + format,
            rng => new Mutator(rng).Text(Write(Generators.Tree(rng), format)), HierarchyLoader.Load, (_, h) => Generators.CheckHierarchy(h));
    }

    [Fact]
    public void Random_bytes_are_never_a_hierarchy()
    {
        var tally = Files("hierarchy-noise", 3, "noise.txt",
            rng => { var b = new byte[1 + rng.Next(2000)]; rng.NextBytes(b); return b; },
            HierarchyLoader.Load, iterations: Math.Max(50, FuzzSettings.Iterations / 5));
        Assert.Equal(0, tally.Accepted);
    }

    [Fact]
    public void A_very_long_row_is_refused_in_linear_time()
    {
        // 100,001 fields once took over a minute (quadratic); now the field limit stops the row at the 33rd field.
        var path = Tmp.File("long.txt");
        File.WriteAllText(path, string.Join(",", Enumerable.Range(0, 100_001).Select(i => $"f{i}")) + "\n");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<HierarchyException>(() => HierarchyLoader.Load(path));
        Assert.Contains("more than 32 fields", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        var quotes = Tmp.File("quotes.csv");
        File.WriteAllText(quotes, "level1\n" + "a" + new string('"', 200_000) + "\n");
        watch.Restart();
        try { HierarchyLoader.Load(quotes); } catch (ArborException) { }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"quotes took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("tree.json", "{\"tree\": {\"a\": [\"\\ud800\"]}}", "lone surrogate")]
    [InlineData("tree.json", "{\"tree\": {\"a\": [\"x\\u0001y\"]}}", "control character")]
    [InlineData("tree.txt", "cat, animal\n\u0001dog, animal\n", "control character")]
    public void Names_must_be_text(string file, string content, string problem)
    {
        var path = Tmp.File(file);
        File.WriteAllText(path, content);
        var e = Assert.ThrowsAny<ArborException>(() => HierarchyLoader.Load(path));
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void Invalid_utf8_is_refused_and_a_bom_is_allowed()
    {
        var path = Tmp.File("tree.txt");
        File.WriteAllBytes(path, [.. "cat, animal\ndog, anim"u8, 0xff, .. "al\n"u8]);
        var e = Assert.ThrowsAny<ArborException>(() => HierarchyLoader.Load(path));
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.Contains("line 2", e.Message);
        File.WriteAllBytes(path, [0xef, 0xbb, 0xbf, .. Encoding.UTF8.GetBytes("cat, animal\ndog, animal\n")]);
        Assert.Equal(2, HierarchyLoader.Load(path).LeafCount);
    }
}
