using Arbor.Data;

namespace Arbor.Tests.Data;

public class Cifar100Tests
{
    static byte[] Record(byte coarse, byte fine, byte fill)
    {
        var r = new byte[Cifar100.RecordSize];
        r[0] = coarse;
        r[1] = fine;
        Array.Fill(r, fill, 2, 1024);                      // red plane
        return r;
    }

    [Fact]
    public void ReadsRecordsAsRgbPlanesWithFineLeaves()
    {
        using var tmp = TestPaths.NewTempFolder();
        // Each record's coarse byte is its fine class's superclass in the built-in 20 / 100 tree, as in the real files.
        var tree = Arbor.Hierarchy.BuiltInHierarchies.Cifar100();
        byte Coarse(byte fine) => (byte)tree.AncestorAt(fine, 1);
        File.WriteAllBytes(tmp.File("train.bin"), Record(Coarse(1), 1, 255).Concat(Record(Coarse(3), 3, 0)).Concat(Record(Coarse(2), 2, 10)).ToArray());
        File.WriteAllBytes(tmp.File("test.bin"), Record(Coarse(0), 0, 7));
        var splits = Cifar100.Open(tmp.Path, new DatasetOptions { ValidationFraction = 0 });
        Assert.Equal(3, splits.Train.Count);
        Assert.Equal(new[] { 1, 3, 2 }, splits.Train.Leaves);
        Assert.Equal((3, 32, 32), splits.Train.FixedShape);
        using var image = splits.Train.GetImage(0);
        Assert.Equal(1f, image[0, 5, 5].item<float>());   // red plane
        Assert.Equal(0f, image[1, 5, 5].item<float>());   // green plane
        Assert.Equal(0, splits.Test.LeafOf(0));
    }

    [Fact]
    public void SizeNotAMultipleOfTheRecordNamesTheFile()
    {
        using var tmp = TestPaths.NewTempFolder();
        File.WriteAllBytes(tmp.File("train.bin"), Record(0, 0, 0).Concat(new byte[100]).ToArray());
        var e = Assert.Throws<DatasetException>(() => Cifar100.Read(tmp.File("train.bin"), DataFixtures.TwoByTwo(), "x"));
        Assert.Contains("train.bin", e.Message);
        Assert.Contains("3074", e.Message);
    }

    [Fact]
    public void LabelsOutsideOrAgainstTheHierarchyNameTheRecord()
    {
        using var tmp = TestPaths.NewTempFolder();
        File.WriteAllBytes(tmp.File("a.bin"), Record(0, 0, 0).Concat(Record(1, 9, 0)).ToArray());
        var e = Assert.Throws<DatasetException>(() => Cifar100.Read(tmp.File("a.bin"), DataFixtures.TwoByTwo(), "x"));
        Assert.Equal(1, e.Index);
        Assert.Contains("fine label 9", e.Message);
        File.WriteAllBytes(tmp.File("b.bin"), Record(1, 0, 0));
        var wrongCoarse = Assert.Throws<DatasetException>(() => Cifar100.Read(tmp.File("b.bin"), DataFixtures.TwoByTwo(), "x"));
        Assert.Contains("coarse label 1", wrongCoarse.Message);
        Assert.Contains("b.bin [record 0]", wrongCoarse.Message);
    }

    [Fact]
    public void A_hierarchy_whose_leaves_are_not_CIFAR_100s_classes_is_refused()
    {
        using var tmp = TestPaths.NewTempFolder();
        File.WriteAllBytes(tmp.File("train.bin"), Record(0, 0, 0));
        File.WriteAllBytes(tmp.File("test.bin"), Record(0, 0, 0));
        var e = Assert.Throws<ArborException>(() => Cifar100.Open(tmp.Path, new DatasetOptions { Hierarchy = DataFixtures.TwoByTwo() }));
        Assert.Contains("does not fit cifar-100: it has 4 leaves, but cifar-100 labels images with 100 classes", e.Message);
    }
}
