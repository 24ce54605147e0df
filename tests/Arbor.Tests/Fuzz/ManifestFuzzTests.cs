using System.Text;
using Arbor.Data;
using Arbor.Hierarchy;
using Xunit.Abstractions;

namespace Arbor.Tests.Fuzz;

/// <summary>Manifest CSV: random manifests round-trip; edited ones open to consistent splits or are refused.</summary>
public sealed class ManifestFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    readonly ClassHierarchy _hierarchy = ClassHierarchy.FromLeafPaths("pets", ["kind", "animal"],
        [["mammal", "cat"], ["mammal", "dog"], ["bird", "owl"], ["bird", "crow"]]);
    static readonly string[] Leaves = ["cat", "dog", "owl", "crow"];

    string Manifest(Random rng)
    {
        var rows = new StringBuilder(rng.Next(2) == 0 ? "path,leaf,split\n" : "");
        bool withSplit = rng.Next(2) == 0;
        int image = 0;
        foreach (var split in new[] { "train", "train", "val", "test" })
            foreach (var leaf in Leaves)
                for (int k = 0; k < 1 + rng.Next(3); k++)
                {
                    var file = $"img/{leaf}/{image++}.png";
                    var full = Path.Combine(Tmp.Path, file);
                    Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                    if (!File.Exists(full)) File.WriteAllBytes(full, [0]);
                    rows.Append(file).Append(',').Append(leaf);
                    if (withSplit) rows.Append(',').Append(split);
                    rows.Append('\n');
                }
        return rows.ToString();
    }

    DatasetSplits Open(string path) => DatasetCatalog.Open(path, new DatasetOptions { Hierarchy = _hierarchy });

    DatasetSplits Open(byte[] bytes)
    {
        var path = Tmp.File("m.csv");
        File.WriteAllBytes(path, bytes);
        return Open(path);
    }

    static void CheckSplits(DatasetSplits splits)
    {
        var all = new[] { splits.Train, splits.Validation, splits.Test };
        Assert.True(splits.Train.Count > 0);
        var files = all.SelectMany(s => Enumerable.Range(0, s.Count).Select(i => s.SourceOf(i))).ToList();
        Assert.Equal(files.Count, files.Distinct().Count());       // no image in two splits, none twice
    }

    [Fact]
    public void Edited_manifests_open_consistently_or_are_refused()
    {
        Files("manifest", 40, "m.csv", rng => new Mutator(rng).Text(Manifest(rng)), Open, (_, s) => CheckSplits(s));
    }

    [Theory]
    [InlineData("../outside.png,cat\n", "outside the manifest's folder")]
    [InlineData("/etc/hostname,cat\n", "is absolute")]
    [InlineData("img/a.png,cat\nimg/a.png,cat\n", "listed twice")]
    [InlineData("img/a.png,cat,train\nimg/./a.png,cat,test\n", "must not overlap")]
    public void Manifest_policies(string rows, string problem)
    {
        Directory.CreateDirectory(Path.Combine(Tmp.Path, "img"));
        File.WriteAllBytes(Tmp.File("img/a.png"), [0]);
        var e = Assert.Throws<DatasetException>(() => Open(Encoding.UTF8.GetBytes(rows)));
        Assert.Contains(problem, e.Message);
        Assert.Contains("m.csv:", e.Message);
    }
}
