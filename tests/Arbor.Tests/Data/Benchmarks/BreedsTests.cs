using System.Text.Json;
using Arbor.Data;
using Arbor.Data.Benchmarks;

namespace Arbor.Tests.Data.Benchmarks;

/// <summary>BREEDS: the split derived from the hierarchy files, and the readers over a miniature ImageNet.</summary>
public class BreedsTests
{
    static readonly DatasetOptions Options = new() { ValidationFraction = 0.25, Seed = 1 };

    /// <summary>
    /// tests/fixtures/benchmarks/breeds-robustness-good.json is the robustness library's own output (MadryLab/robustness
    /// robustness/tools/breeds_helpers.py, make_living17 / make_nonliving26 / make_entity13 / make_entity30 with split
    /// "good", run on 2 Dec 2026 with networkx 2.8 and numpy 1.24 on BREEDS-Benchmarks' imagenet_class_hierarchy/modified/
    /// files): superclass WordNet ids and names in label order, source and target subclasses in the library's order.
    /// Arbor does not ship those files, so this runs where ARBOR_BREEDS_INFO names a folder holding them.
    /// </summary>
    [BreedsFilesFact]
    public void TheSplitOfEveryBreedsDatasetIsTheRobustnessLibrarys()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("benchmarks", "breeds-robustness-good.json")));
        var (texts, sources) = BreedsSplit.ReadFiles(BreedsFilesFactAttribute.Folder!);
        var keys = new Dictionary<string, string> { ["living-17"] = "living17", ["nonliving-26"] = "nonliving26", ["entity-13"] = "entity13", ["entity-30"] = "entity30" };
        var sizes = new Dictionary<string, (int, int)> { ["living-17"] = (17, 2), ["nonliving-26"] = (26, 2), ["entity-13"] = (13, 10), ["entity-30"] = (30, 4) };
        foreach (var rule in BreedsSplit.Rules)
        {
            var ours = BreedsSplit.Make(rule, texts, sources);
            var theirs = doc.RootElement.GetProperty(keys[rule.Name]).EnumerateArray().ToArray();
            Assert.Equal(sizes[rule.Name], (ours.Count, ours[0].Source.Count));
            Assert.Equal(theirs.Length, ours.Count);
            for (int i = 0; i < ours.Count; i++)
            {
                Assert.Equal(theirs[i].GetProperty("wnid").GetString(), ours[i].Wnid);
                Assert.Equal(theirs[i].GetProperty("name").GetString(), ours[i].Name);
                Assert.Equal(theirs[i].GetProperty("source").EnumerateArray().Select(e => e.GetString()), ours[i].Source);
                Assert.Equal(theirs[i].GetProperty("target").EnumerateArray().Select(e => e.GetString()), ours[i].Target);
            }
        }
    }

    /// <summary>
    /// ImageNet/ with eight classes and ImageNet/breeds/ holding a small hierarchy in the BREEDS files' formats: two
    /// superclasses at level 5 under living thing (n00004258) with four classes each, one with three (too few), and one
    /// under non-living thing.
    /// </summary>
    internal static string Layout(string root)
    {
        var imagenet = Path.Combine(root, "ImageNet");
        string[] cats = { "n02129604", "n02130308", "n02128385", "n02129165" };   // tiger, cheetah, leopard, lion
        string[] dogs = { "n02110341", "n02085620", "n02099712", "n02108915" };   // dalmatian, Chihuahua, Labrador, French bulldog
        string[] few = { "n01440764", "n01443537", "n01484850" };                 // tench, goldfish, great white shark
        foreach (var wnid in cats.Concat(dogs).Concat(few))
        {
            for (int i = 1; i <= 2; i++) BenchmarkLayouts.Image(Path.Combine(imagenet, "train", wnid, $"{wnid}_{i}.JPEG"));
            BenchmarkLayouts.Image(Path.Combine(imagenet, "val", wnid, $"val_{wnid}.JPEG"));
        }
        var edges = new List<string> { "n00001740 n00004258", "n00004258 n90000002", "n90000002 n90000003", "n90000003 n90000004",
            "n90000004 n90000005", "n90000004 n90000006", "n90000004 n90000007",
            // big cat: two groups of two; dog: one child, then four groups of one; fish: three classes only.
            "n90000005 n90000051", "n90000005 n90000052", "n90000051 n02129604", "n90000051 n02130308", "n90000052 n02128385", "n90000052 n02129165",
            "n90000006 n90000060", "n90000060 n90000061", "n90000060 n90000062", "n90000060 n90000063", "n90000060 n90000064",
            "n90000061 n02110341", "n90000062 n02085620", "n90000063 n02099712", "n90000064 n02108915",
            "n90000007 n01440764", "n90000007 n01443537", "n90000007 n01484850",
            "n00001740 n00021939", "n00021939 n90000102", "n90000102 n90000103", "n90000103 n90000104", "n90000104 n90000105",
            "n90000105 n02129604" };
        var breeds = Path.Combine(imagenet, "breeds");
        BenchmarkLayouts.Text(Path.Combine(breeds, "class_hierarchy.txt"), edges.ToArray());
        BenchmarkLayouts.Text(Path.Combine(breeds, "node_names.txt"), "n00001740\tentity", "n00004258\tliving thing", "n90000005\tbig cat",
            "n90000006\tdog, domestic dog", "n90000007\tfish");
        var classes = cats.Concat(dogs).Concat(few).Select((w, i) => $"[{i}, \"{w}\", \"class {i}\"]");
        BenchmarkLayouts.Text(Path.Combine(breeds, "dataset_class_info.json"), "[" + string.Join(", ", classes) + "]");
        return imagenet;
    }

    static string[] PathOf(ImageDataset d, int index) =>
        d.LevelLabelsOf(index).Select((id, l) => d.Hierarchy.Node(l + 1, id).Name).ToArray();

    [Fact]
    public void Living17TrainsOnSourceSubclassesAndTestsOnTargetOnesFromTheFilesBesideImageNet()
    {
        using var temp = TestPaths.NewTempFolder();
        Layout(temp.Path);
        var splits = BenchmarkCatalog.Get("living17").Open(temp.Path, Options);
        Assert.Equal(new[] { "superclass", "subclass" }, splits.Hierarchy.LevelNames);
        Assert.Equal(new[] { 2, 8 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(new[] { "big cat", "dog, domestic dog" }, splits.Hierarchy.NodesAt(1).Select(n => n.Name));
        // big cat: tiger and leopard are the source, cheetah and lion the target; dog: dalmatian and Chihuahua, then
        // Labrador and French bulldog. Leaves: each superclass's source, then its target.
        Assert.Equal(new[] { "tiger", "leopard", "cheetah", "lion", "dalmatian", "Chihuahua", "Labrador retriever", "French bulldog" },
            splits.Hierarchy.NodesAt(2).Select(n => n.Name));
        Assert.Equal(8, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(4, splits.Test.Count);
        var sourceFiles = Enumerable.Range(0, splits.Train.Count).Select(splits.Train.SourceOf)
            .Concat(Enumerable.Range(0, splits.Validation.Count).Select(splits.Validation.SourceOf)).ToArray();
        Assert.All(sourceFiles, f => Assert.Matches("n02129604|n02128385|n02110341|n02085620", f));
        int cheetah = Enumerable.Range(0, splits.Test.Count).Single(i => splits.Test.SourceOf(i).Contains("val_n02130308"));
        Assert.Equal(new[] { "big cat", "cheetah" }, PathOf(splits.Test, cheetah));
        Assert.Contains("2 superclasses, 4 source subclasses (train, validation) and 4 target subclasses", splits.Description);
    }

    [Fact]
    public void MalformedOrIncompleteBreedsFilesAreErrorsNamingTheFile()
    {
        using var temp = TestPaths.NewTempFolder();
        var imagenet = Layout(temp.Path);
        var hierarchy = Path.Combine(imagenet, "breeds", "class_hierarchy.txt");
        File.AppendAllText(hierarchy, "n90000005 n02129604 extra\n");
        var e = Assert.Throws<DatasetException>(() => BenchmarkCatalog.Get("living-17").Open(temp.Path, Options));
        Assert.Contains("class_hierarchy.txt:32: expected 'parent child'", e.Message);

        File.Delete(Path.Combine(imagenet, "breeds", "node_names.txt"));
        e = Assert.Throws<DatasetException>(() => BenchmarkCatalog.Get("living-17").Open(temp.Path, Options));
        Assert.Contains(Path.Combine(imagenet, "breeds", "node_names.txt"), e.Message);
        Assert.Contains("this one is missing", e.Message);

        Directory.Delete(Path.Combine(imagenet, "breeds"), recursive: true);
        e = Assert.Throws<DatasetException>(() => BenchmarkCatalog.Get("entity-30").Open(temp.Path, Options));
        Assert.Contains($"Entity-30 needs the BREEDS hierarchy files (dataset_class_info.json, class_hierarchy.txt, node_names.txt) in {Path.Combine(imagenet, "breeds")}", e.Message);
    }
}

/// <summary>A fact that runs where ARBOR_BREEDS_INFO names a folder with BREEDS-Benchmarks' three modified/ files.</summary>
public sealed class BreedsFilesFactAttribute : FactAttribute
{
    public static string? Folder => Environment.GetEnvironmentVariable("ARBOR_BREEDS_INFO") is { Length: > 0 } dir
        && BreedsSplit.Files.All(f => File.Exists(Path.Combine(dir, f))) ? dir : null;

    public BreedsFilesFactAttribute()
    {
        if (Folder is null)
            Skip = "set ARBOR_BREEDS_INFO to a folder with BREEDS-Benchmarks' imagenet_class_hierarchy/modified/ files to run it";
    }
}
