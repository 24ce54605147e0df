using Arbor.Data;
using Arbor.Data.Benchmarks;
using Arbor.Hierarchy;

namespace Arbor.Tests.Data.Benchmarks;

/// <summary>ImageNet, HGCLIP's 314-class ImageNet and the shifted test sets on miniatures of their downloaded layouts.</summary>
public class ImageNetReaderTests
{
    static readonly DatasetOptions Options = new() { ValidationFraction = 0.2, Seed = 1 };

    static DatasetSplits Open(string name, string root, DatasetOptions? options = null) => BenchmarkCatalog.Get(name).Open(root, options ?? Options);

    static string[] PathOf(ImageDataset d, int index) =>
        d.LevelLabelsOf(index).Select((id, l) => d.Hierarchy.Node(l + 1, id).Name).ToArray();

    static int IndexOf(ImageDataset d, string fileEnd) =>
        Enumerable.Range(0, d.Count).Single(i => d.SourceOf(i).Replace('\\', '/').EndsWith(fileEnd, StringComparison.Ordinal));

    [Fact]
    public void TheBuiltInHierarchiesFollowWordNetParentsAndMatchTheClassTable()
    {
        var imagenet = BuiltInHierarchies.Get("imagenet");
        Assert.Equal(new[] { "hypernym", "class" }, imagenet.LevelNames);
        Assert.Equal(new[] { 558, 1000 }, imagenet.ClassCounts);
        var hgclip = BuiltInHierarchies.Get("imagenet-314");
        Assert.Equal(new[] { 247, 314 }, hgclip.ClassCounts);
        // Leaf ids are ImageNet's class indices, and the table names the same leaves.
        Assert.Equal(ImageNetClasses.All.Select(c => c.Name), imagenet.NodesAt(2).Select(n => n.Name));
        Assert.Equal("n01440764", ImageNetClasses.All[0].Wnid);
        Assert.Equal("cyprinid", imagenet.Node(1, imagenet.AncestorAt(0, 1)).Name);
        // Two synsets named crane: each keeps its own parent's name in brackets.
        Assert.Equal("crane (wading bird)", imagenet.Node(2, 134).Name);
        Assert.Equal("crane (lifting device)", imagenet.Node(2, 517).Name);
        Assert.Equal("lifting device", imagenet.Node(1, imagenet.AncestorAt(517, 1)).Name);
    }

    [Fact]
    public void ImageNetReadsClassFoldersWithValAsTheTestSplit()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.ImageNet(temp.Path);
        var splits = Open("imagenet", temp.Path);
        Assert.Equal(new[] { 558, 1000 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(15, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(5, splits.Test.Count);
        Assert.Equal(new[] { "cyprinid", "tench" }, PathOf(splits.Test, IndexOf(splits.Test, "val/n01440764/ILSVRC2012_val_00000001.JPEG")));
        Assert.Equal(new[] { "lifting device", "crane (lifting device)" }, PathOf(splits.Test, IndexOf(splits.Test, "n03126707/ILSVRC2012_val_00000005.JPEG")));
        Assert.Equal(0, splits.Test.Leaves[IndexOf(splits.Test, "n01440764/ILSVRC2012_val_00000001.JPEG")]);
        Assert.Equal(292, splits.Test.Leaves[IndexOf(splits.Test, "n02129604/ILSVRC2012_val_00000003.JPEG")]);
    }

    [Fact]
    public void ImageNetReadsTheKaggleFlatValWithItsSolutionFileAndNamesABadRow()
    {
        using var temp = TestPaths.NewTempFolder();
        var top = BenchmarkLayouts.ImageNetKaggle(temp.Path);
        var splits = Open("imagenet", top);
        Assert.Equal(10, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(5, splits.Test.Count);
        Assert.Equal(new[] { "dog", "dalmatian" }, PathOf(splits.Test, IndexOf(splits.Test, "val/ILSVRC2012_val_00000002.JPEG")));

        var csv = Path.Combine(top, "LOC_val_solution.csv");
        File.AppendAllText(csv, "ILSVRC2012_val_00000009,n99999999 1 2 3 4\n");
        var e = Assert.Throws<DatasetException>(() => Open("imagenet", top));
        Assert.Contains("LOC_val_solution.csv:7: 'n99999999' is not an ImageNet-1k WordNet id", e.Message);

        File.Delete(csv);
        e = Assert.Throws<DatasetException>(() => Open("imagenet", top));
        Assert.Contains("no LOC_val_solution.csv", e.Message);
    }

    [Fact]
    public void ImageNetRejectsAFolderThatIsNotAWordNetIdNamingIt()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.ImageNet(temp.Path);
        BenchmarkLayouts.Image(Path.Combine(dir, "train", "goldfish", "1.JPEG"));
        var e = Assert.Throws<DatasetException>(() => Open("imagenet", temp.Path));
        Assert.Contains(Path.Combine(dir, "train", "goldfish"), e.Message);
        Assert.Contains("class folder 'goldfish' is not an ImageNet-1k WordNet id", e.Message);
    }

    [Fact]
    public void Imagenet314KeepsHgclipsClassesOfTheImageNetFolders()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.ImageNet(temp.Path);
        var splits = Open("imagenet-314", temp.Path);
        Assert.Equal(new[] { 247, 314 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(9, splits.Train.Count + splits.Validation.Count);   // tench and the crane are not among the 314
        Assert.Equal(3, splits.Test.Count);
        Assert.Equal(new[] { "big cat", "cheetah" }, PathOf(splits.Test, IndexOf(splits.Test, "n02130308/ILSVRC2012_val_00000004.JPEG")));
    }

    [Fact]
    public void TheShiftedSetsAreTestedOnTheClassesTheyShareWithTheTrainingHierarchy()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.ImageNet(temp.Path);
        BenchmarkLayouts.ImageNetShifts(temp.Path);

        // ImageNet-V2's folders are class indices: 0 (tench) is not one of HGCLIP's 314, 251 and 292 are.
        var v2 = Open("imagenet-v2", temp.Path);
        Assert.Equal(new[] { 2, 2 }, v2.Hierarchy.ClassCounts);
        Assert.Equal(4, v2.Test.Count);
        Assert.Equal(6, v2.Train.Count + v2.Validation.Count);
        Assert.Equal(new[] { "dog", "dalmatian" }, PathOf(v2.Test, IndexOf(v2.Test, "format-val/251/251_2.jpeg")));
        Assert.Contains("2 of its 3 classes shared with the imagenet-314 hierarchy", v2.Description);

        var a = Open("imagenet-a", temp.Path);
        Assert.Equal(new[] { 1, 2 }, a.Hierarchy.ClassCounts);
        Assert.Equal((4, 6), (a.Test.Count, a.Train.Count + a.Validation.Count));
        Assert.Equal(new[] { "big cat", "tiger" }, PathOf(a.Test, IndexOf(a.Test, "imagenet-a/n02129604/n02129604_1.jpg")));

        var r = Open("imagenet-r", temp.Path);
        Assert.Equal(new[] { 2, 3 }, r.Hierarchy.ClassCounts);
        Assert.Equal(6, r.Test.Count);

        // With all 1,000 classes as the training hierarchy, the sketch's tench is shared too.
        var sketch = Open("imagenet-sketch", temp.Path, Options with { Hierarchy = BuiltInHierarchies.Get("imagenet") });
        Assert.Equal(new[] { 2, 2 }, sketch.Hierarchy.ClassCounts);
        Assert.Equal(new[] { "cyprinid", "tench" }, PathOf(sketch.Test, IndexOf(sketch.Test, "sketch/n01440764/n01440764_1.JPEG")));
        Assert.Equal(6, sketch.Train.Count + sketch.Validation.Count);
    }

    [Fact]
    public void AShiftedSetNeedsImageNetBesideItAndClassFoldersOfItsKind()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.ImageNetShifts(temp.Path);
        var e = Assert.Throws<DatasetException>(() => Open("imagenet-a", temp.Path));
        Assert.Contains("ImageNet-A is the test split after training on ImageNet", e.Message);

        BenchmarkLayouts.ImageNet(temp.Path);
        var bad = Path.Combine(temp.Path, "imagenetv2", "imagenetv2-matched-frequency-format-val", "1000");
        BenchmarkLayouts.Image(Path.Combine(bad, "x.jpeg"));
        e = Assert.Throws<DatasetException>(() => Open("imagenet-v2", temp.Path));
        Assert.Contains(bad, e.Message);
        Assert.Contains("class folder '1000' is not a class index 0 … 999", e.Message);
    }
}
