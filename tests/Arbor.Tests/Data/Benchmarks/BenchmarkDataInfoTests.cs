using System.Text.Json;
using Arbor.Data;
using Arbor.Data.Benchmarks;

namespace Arbor.Tests.Data.Benchmarks;

/// <summary>`arbor data info NAME --data-root DIR` on the newer benchmarks: the reader's counts per level and split.</summary>
public class BenchmarkDataInfoTests
{
    [Theory]
    [InlineData("imagenet")]
    [InlineData("imagenet-314")]
    [InlineData("imagenet-r")]
    [InlineData("imagenet-sketch")]
    [InlineData("entity-13")]
    [InlineData("sun397")]
    public void DataInfoPrintsTheReadersCountsPerLevelAndSplit(string name)
    {
        using var temp = TestPaths.NewTempFolder();
        if (name == "entity-13") WriteEntity13(temp.Path);
        else if (name == "sun397") BenchmarkLayouts.Sun397(temp.Path);
        else
        {
            BenchmarkLayouts.ImageNet(temp.Path);
            BenchmarkLayouts.ImageNetShifts(temp.Path);
        }
        var splits = BenchmarkCatalog.Get(name).Open(temp.Path, new DatasetOptions { Seed = 3 });
        var (code, output, err) = CliHarness.Run("data", "info", name, "--data-root", temp.Path, "--seed", "3", "--json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(splits.Hierarchy.ClassCounts, root.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("classes").GetInt32()));
        Assert.Equal(new[] { splits.Train.Count, splits.Validation.Count, splits.Test.Count },
            root.GetProperty("splits").EnumerateArray().Select(s => s.GetProperty("images").GetInt32()));
    }

    /// <summary>Entity-13 needs 20 classes per superclass: the miniature BREEDS files make one with 20 ImageNet classes.</summary>
    static void WriteEntity13(string root)
    {
        var imagenet = Path.Combine(root, "ImageNet");
        var classes = ImageNetClasses.All.Take(20).Select(c => c.Wnid).ToArray();
        foreach (var wnid in classes)
        {
            BenchmarkLayouts.Image(Path.Combine(imagenet, "train", wnid, "a.JPEG"));
            BenchmarkLayouts.Image(Path.Combine(imagenet, "train", wnid, "b.JPEG"));
            BenchmarkLayouts.Image(Path.Combine(imagenet, "val", wnid, "v.JPEG"));
        }
        // entity → object (1) → whole (2) → animal (3): twenty classes in two groups of ten (each gives five to source
        // and five to target; four groups of five could not fill source, and BREEDS' rules refuse such a superclass).
        var edges = new List<string> { "n00001740 n00002684", "n00002684 n00003553", "n00003553 n00015388" };
        for (int g = 0; g < 2; g++)
        {
            edges.Add($"n00015388 n9000000{g}");
            edges.AddRange(classes.Skip(10 * g).Take(10).Select(w => $"n9000000{g} {w}"));
        }
        var breeds = Path.Combine(imagenet, "breeds");
        BenchmarkLayouts.Text(Path.Combine(breeds, "class_hierarchy.txt"), edges.ToArray());
        BenchmarkLayouts.Text(Path.Combine(breeds, "node_names.txt"), "n00015388\tanimal");
        BenchmarkLayouts.Text(Path.Combine(breeds, "dataset_class_info.json"),
            "[" + string.Join(", ", classes.Select((w, i) => $"[{i}, \"{w}\", \"c{i}\"]")) + "]");
    }
}
