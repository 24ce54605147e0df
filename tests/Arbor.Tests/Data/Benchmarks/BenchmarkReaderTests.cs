using Arbor.Data;
using Arbor.Data.Benchmarks;

namespace Arbor.Tests.Data.Benchmarks;

/// <summary>Each benchmark reader on a miniature of its real layout: counts per level, spot-checked labels, bad input.</summary>
public class BenchmarkReaderTests
{
    static readonly DatasetOptions Options = new() { ValidationFraction = 0.2, TestFraction = 0.2, Seed = 1 };

    static DatasetSplits Open(string name, string root) => BenchmarkCatalog.Get(name).Open(root, Options);

    // Names of the path of an image, coarse → fine.
    static string[] PathOf(ImageDataset d, int index) =>
        d.LevelLabelsOf(index).Select((id, l) => d.Hierarchy.Node(l + 1, id).Name).ToArray();

    static int IndexOf(ImageDataset d, string fileEnd) =>
        Enumerable.Range(0, d.Count).Single(i => d.SourceOf(i).Replace('\\', '/').EndsWith(fileEnd, StringComparison.Ordinal));

    static int Total(DatasetSplits s) => s.Train.Count + s.Validation.Count + s.Test.Count;

    [Fact]
    public void Food101ReadsTheOfficialSplitsAndPizzaUnderPizza()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.Food101(temp.Path);
        var splits = Open("food-101", temp.Path);
        Assert.Equal(new[] { 18, 101 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(new[] { "course", "dish" }, splits.Hierarchy.LevelNames);
        Assert.Equal(7, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(3, splits.Test.Count);
        Assert.Equal(new[] { "pizza", "pizza" }, PathOf(splits.Test, IndexOf(splits.Test, "images/pizza/1001116.jpg")));
        Assert.Equal(new[] { "dessert", "apple pie" }, PathOf(splits.Test, IndexOf(splits.Test, "apple_pie/1026328.jpg")));
        Assert.Equal(new[] { "noodle dish", "ramen" }, PathOf(splits.Test, IndexOf(splits.Test, "ramen/10003.jpg")));
    }

    [Fact]
    public void Food101RejectsAnUnknownDishAndAMissingImageNamingTheFile()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Food101(temp.Path);
        File.AppendAllText(Path.Combine(dir, "meta", "test.txt"), "hot_pot/123\n");
        var e = Assert.Throws<DatasetException>(() => Open("food-101", temp.Path));
        Assert.Contains("test.txt:4: class 'hot_pot' is not a leaf", e.Message);

        BenchmarkLayouts.Food101(temp.Path);
        File.Delete(Path.Combine(dir, "images", "ramen", "10003.jpg"));
        e = Assert.Throws<DatasetException>(() => Open("food-101", temp.Path));
        Assert.Contains("10003.jpg", e.Message);
        Assert.Contains("not found (1 of 3 missing)", e.Message);
    }

    [Fact]
    public void Caltech101SkipsTheBackgroundAndCarvesTest()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.Caltech101(temp.Path);
        var splits = Open("caltech-101", temp.Path);
        Assert.Equal(new[] { 11, 51, 101 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(20, Total(splits));
        Assert.Equal(4, splits.Test.Count);
        var all = new[] { splits.Train, splits.Validation, splits.Test };
        var faces = all.Select(d => (d, i: Enumerable.Range(0, d.Count).FirstOrDefault(i => d.SourceOf(i).Contains("Faces_easy"), -1))).First(x => x.i >= 0);
        Assert.Equal(new[] { "human anatomy", "facial features", "faces easy" }, PathOf(faces.d, faces.i));
        Assert.DoesNotContain(all.SelectMany(d => Enumerable.Range(0, d.Count).Select(d.SourceOf)), s => s.Contains("BACKGROUND"));
    }

    [Fact]
    public void Fruits360MergesNumberedVariantsIntoOneVariety()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.Fruits360(temp.Path);
        var splits = Open("fruits-360", temp.Path);
        Assert.Equal(3, splits.Hierarchy.Depth);
        Assert.Equal(4, splits.Test.Count);
        Assert.Equal(12, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(new[] { "fruit", "apple", "apple red" }, PathOf(splits.Test, IndexOf(splits.Test, "Apple Red 2/0_100.jpg")));
        Assert.Equal(new[] { "nut", "walnut", "walnut" }, PathOf(splits.Test, IndexOf(splits.Test, "Walnut/0_100.jpg")));
        var leafCounts = splits.Test.CountPerLeaf();
        Assert.Equal(2, leafCounts[splits.Hierarchy.LeafId("apple red")]);
    }

    [Fact]
    public void PetsChecksSpeciesAndReadsBreedsFromImageNames()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Pets(temp.Path);
        var splits = Open("pets", temp.Path);
        Assert.Equal(new[] { 2, 37 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(6, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(new[] { "dog", "german shorthaired" }, PathOf(splits.Test, IndexOf(splits.Test, "german_shorthaired_3.jpg")));
        Assert.Equal(new[] { "cat", "abyssinian" }, PathOf(splits.Test, IndexOf(splits.Test, "Abyssinian_1.jpg")));

        File.WriteAllText(Path.Combine(dir, "annotations", "test.txt"), "Abyssinian_1 1 2 1\n");
        var e = Assert.Throws<DatasetException>(() => Open("pets", temp.Path));
        Assert.Contains("test.txt:1: species 2 (dog) disagrees", e.Message);
    }

    [Fact]
    public void AircraftBuildsManufacturerFamilyVariantFromItsOwnFiles()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Aircraft(temp.Path);
        var splits = Open("air", temp.Path);
        Assert.Equal(new[] { "manufacturer", "family", "variant" }, splits.Hierarchy.LevelNames);
        Assert.Equal(new[] { 2, 3, 3 }, splits.Hierarchy.ClassCounts);
        Assert.Equal((3, 2, 2), (splits.Train.Count, splits.Validation.Count, splits.Test.Count));
        Assert.Equal(new[] { "Airbus", "A300", "A300B4" }, PathOf(splits.Test, IndexOf(splits.Test, "0034958.jpg")));
        Assert.Equal(new[] { "Boeing", "Boeing 707", "707-320" }, PathOf(splits.Validation, IndexOf(splits.Validation, "1340192.jpg")));

        File.AppendAllText(Path.Combine(dir, "images_variant_test.txt"), "1114238 707-320\n");
        File.AppendAllText(Path.Combine(dir, "images_family_test.txt"), "1114238 A300\n");
        File.AppendAllText(Path.Combine(dir, "images_manufacturer_test.txt"), "1114238 Airbus\n");
        var e = Assert.Throws<DatasetException>(() => Open("air", temp.Path));
        Assert.Contains("variant '707-320' has two families", e.Message);
    }

    [Fact]
    public void EthecChecksEveryLevelOfEachRecord()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Ethec(temp.Path);
        var splits = Open("ethec", temp.Path);
        Assert.Equal(new[] { 6, 21, 135, 561 }, splits.Hierarchy.ClassCounts);
        Assert.Equal((3, 1, 2), (splits.Train.Count, splits.Validation.Count, splits.Test.Count));
        Assert.Equal(new[] { "Hesperiidae", "Heteropterinae", "Carterocephalus", "Carterocephalus palaemon" },
            PathOf(splits.Test, IndexOf(splits.Test, "CC0002.jpg")));

        var val = Path.Combine(dir, "splits", "val.json");
        File.WriteAllText(val, File.ReadAllText(val).Replace("\"Pierinae\"", "\"Coliadinae\""));
        var e = Assert.Throws<DatasetException>(() => Open("ethec", temp.Path));
        Assert.Contains("val.json", e.Message);
        Assert.Contains("subfamily 'Coliadinae' disagrees", e.Message);
    }

    [Fact]
    public void DtdReadsPartitionOneWithItsOwnValidationAndAFlatTextureLevel()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.Dtd(temp.Path);
        var splits = Open("dtd", temp.Path);
        Assert.Equal(new[] { "texture" }, splits.Hierarchy.LevelNames);
        Assert.Equal(new[] { 3 }, splits.Hierarchy.ClassCounts);
        Assert.Equal((6, 3, 3), (splits.Train.Count, splits.Validation.Count, splits.Test.Count));
        Assert.Equal(new[] { "zigzagged" }, PathOf(splits.Test, IndexOf(splits.Test, "images/zigzagged/zigzagged_0004.jpg")));
        Assert.Equal(new[] { "bubbly" }, PathOf(splits.Validation, IndexOf(splits.Validation, "bubbly/bubbly_0003.jpg")));
        Assert.Equal(new[] { "banded" }, PathOf(splits.Train, IndexOf(splits.Train, "banded/banded_0002.jpg")));
        Assert.Contains("official partition 1", splits.Description);
    }

    [Fact]
    public void DtdRejectsAnUnknownTextureAndAMissingSplitFileNamingThem()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Dtd(temp.Path);
        File.AppendAllText(Path.Combine(dir, "labels", "test1.txt"), "paisley/paisley_0001.jpg\n");
        var e = Assert.Throws<DatasetException>(() => Open("dtd", temp.Path));
        Assert.Contains("test1.txt:4: class 'paisley' is not a leaf", e.Message);

        File.Delete(Path.Combine(dir, "labels", "val1.txt"));
        e = Assert.Throws<DatasetException>(() => Open("dtd", temp.Path));
        Assert.Contains("val1.txt", e.Message);
    }

    [Fact]
    public void Sun397ReadsPartitionOneWithSceneNamesFromClassNameTxt()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.Sun397(temp.Path);
        var splits = Open("sun397", temp.Path);
        Assert.Equal(new[] { "scene" }, splits.Hierarchy.LevelNames);
        Assert.Equal(new[] { 3 }, splits.Hierarchy.ClassCounts);
        Assert.Equal((6, 3), (splits.Train.Count + splits.Validation.Count, splits.Test.Count));
        Assert.Equal(new[] { "apartment building outdoor" }, PathOf(splits.Test, IndexOf(splits.Test, "a/apartment_building/outdoor/sun_bac.jpg")));
        Assert.Equal(new[] { "balcony interior" }, PathOf(splits.Test, IndexOf(splits.Test, "b/balcony/interior/sun_cac.jpg")));
        Assert.Contains("official partition 1", splits.Description);

        // A deeper hierarchy given by the user, its leaves named as ClassName.txt does.
        var tree = Arbor.Hierarchy.ClassHierarchy.FromLeafPaths("sun-3", new[] { "place", "scene" }, new[]
        {
            new[] { "indoor", "/b/balcony/interior" }, new[] { "outdoor man-made", "/a/abbey" }, new[] { "outdoor man-made", "/a/apartment_building/outdoor" },
        });
        var deep = BenchmarkCatalog.Get("sun397").Open(temp.Path, Options with { Hierarchy = tree });
        Assert.Equal(new[] { "indoor", "/b/balcony/interior" }, PathOf(deep.Test, IndexOf(deep.Test, "b/balcony/interior/sun_cac.jpg")));
    }

    [Fact]
    public void Sun397RejectsAnUnlistedClassAndABadClassPathNamingTheLine()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Sun397(temp.Path);
        File.AppendAllText(Path.Combine(dir, "Testing_01.txt"), "/c/canyon/sun_x.jpg\n");
        var e = Assert.Throws<DatasetException>(() => Open("sun397", temp.Path));
        Assert.Contains("Testing_01.txt:4: class '/c/canyon' is not listed in ClassName.txt", e.Message);

        File.AppendAllText(Path.Combine(dir, "ClassName.txt"), "canyon\n");
        e = Assert.Throws<DatasetException>(() => Open("sun397", temp.Path));
        Assert.Contains("ClassName.txt:4: expected a class path like '/a/abbey', found 'canyon'", e.Message);
    }

    [Fact]
    public void EuroSatSplitsCamelCaseClassNames()
    {
        using var temp = TestPaths.NewTempFolder();
        BenchmarkLayouts.EuroSat(temp.Path);
        var splits = Open("eurosat", temp.Path);
        Assert.Equal(new[] { 4, 10 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(15, Total(splits));
        var counts = splits.Train.CountPerLeaf().Zip(splits.Validation.CountPerLeaf(), (a, b) => a + b)
            .Zip(splits.Test.CountPerLeaf(), (a, b) => a + b).ToArray();
        Assert.Equal(5, counts[splits.Hierarchy.LeafId("herbaceous vegetation")]);
        Assert.Equal(5, counts[splits.Hierarchy.LeafId("sea lake")]);
    }

    [Fact]
    public void Cifar10PythonPicklesMatchTheBinaryVersion()
    {
        using var temp = TestPaths.NewTempFolder();
        var py = BenchmarkLayouts.Committed(temp.Path, "cifar-10-batches-py");
        var splits = Open("cifar-10", py);
        Assert.Equal(new[] { 2, 10 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(10, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(new[] { 9, 0, 3 }, splits.Test.Leaves);
        Assert.Equal(new[] { "vehicle", "truck" }, PathOf(splits.Test, 0));
        using (var image = splits.Test.GetImage(1))
        {
            Assert.Equal(110f / 255f, image[0, 5, 5].item<float>(), 5);   // red plane of global image 11
            Assert.Equal(0f, image[1, 5, 5].item<float>());
        }

        // The binary version of the same images: one label byte, then the 3,072 pixel bytes.
        var bin = Path.Combine(temp.Path, "cifar-10-batches-bin");
        Directory.CreateDirectory(bin);
        void Write(string file, int first, int[] labels)
        {
            var bytes = new List<byte>();
            for (int i = 0; i < labels.Length; i++)
            {
                bytes.Add((byte)labels[i]);
                bytes.AddRange(Enumerable.Repeat((byte)(10 * (first + i)), 1024).Concat(new byte[2048]));
            }
            File.WriteAllBytes(Path.Combine(bin, file), bytes.ToArray());
        }
        for (int b = 0; b < 5; b++) Write($"data_batch_{b + 1}.bin", 2 * b, new[] { 2 * b, 2 * b + 1 });
        Write("test_batch.bin", 10, new[] { 9, 0, 3 });
        var binary = Open("cifar-10", bin);
        Assert.Equal(splits.Test.Leaves, binary.Test.Leaves);
        using var a = splits.Test.GetImage(2);
        using var b2 = binary.Test.GetImage(2);
        Assert.True(a.equal(b2).all().item<bool>());

        File.WriteAllBytes(Path.Combine(bin, "test_batch.bin"), new byte[3074]);
        var e = Assert.Throws<DatasetException>(() => Open("cifar-10", bin));
        Assert.Contains("test_batch.bin: size 3074 bytes", e.Message);
    }

    [Fact]
    public void Cifar100PythonChecksCoarseLabelsAgainstTheHierarchy()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Committed(temp.Path, "cifar-100-python");
        var splits = Open("cifar-100-python", temp.Path);
        Assert.Equal(new[] { 20, 100 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(4, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(new[] { 8, 0 }, splits.Test.Leaves);
        Assert.Equal(new[] { "vehicles_1", "bicycle" }, PathOf(splits.Test, 0));

        var bytes = File.ReadAllBytes(Path.Combine(dir, "test"));
        File.WriteAllBytes(Path.Combine(dir, "test"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<Arbor.ArborException>(() => Open("cifar-100-python", temp.Path));
        Assert.Contains(Path.Combine(dir, "test"), e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void StanfordCarsReadsTheDevkitMatFiles()
    {
        using var temp = TestPaths.NewTempFolder();
        var dir = BenchmarkLayouts.Committed(temp.Path, "stanford_cars");
        Directory.CreateDirectory(Path.Combine(dir, "cars_train"));
        for (int i = 1; i <= 197; i++) File.WriteAllBytes(Path.Combine(dir, "cars_train", $"{i:D5}.jpg"), new byte[] { 1 });
        BenchmarkLayouts.Image(Path.Combine(dir, "cars_test", "00001.jpg"));
        BenchmarkLayouts.Image(Path.Combine(dir, "cars_test", "00002.jpg"));
        var splits = Open("stanford-cars", temp.Path);
        Assert.Equal(new[] { "body type", "model" }, splits.Hierarchy.LevelNames);
        Assert.Equal(new[] { 9, 196 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(197, splits.Train.Count + splits.Validation.Count);
        Assert.Equal(new[] { "Sedan", "Acura RL Sedan 2012" }, PathOf(splits.Test, 0));
        Assert.Equal(new[] { "Convertible", "Model 196 2012" }, PathOf(splits.Test, 1));
        Assert.Equal("SUV", splits.Hierarchy.Node(1, splits.Hierarchy.AncestorAt(0, 1)).Name);
        Assert.Equal("AM General Hummer SUV 2000", splits.Hierarchy.Node(2, 0).Name);
        Assert.Equal(2, splits.Train.CountPerLeaf()[0] + splits.Validation.CountPerLeaf()[0]);   // 00001.jpg and 00197.jpg

        File.WriteAllBytes(Path.Combine(dir, "cars_test_annos_withlabels.mat"), new byte[200]);
        var e = Assert.Throws<Arbor.ArborException>(() => Open("stanford-cars", temp.Path));
        Assert.Contains("cars_test_annos_withlabels.mat: not a little-endian MATLAB v5 MAT-file", e.Message);
    }

    [Fact]
    public void AMissingDatasetSaysWhatLayoutWasExpected()
    {
        using var temp = TestPaths.NewTempFolder();
        foreach (var benchmark in BenchmarkCatalog.All)
        {
            var e = Assert.ThrowsAny<Arbor.ArborException>(() => benchmark.Open(temp.Path, Options));
            Assert.Contains("not found", e.Message);
            Assert.Contains(temp.Path, e.Message);
        }
    }
}
