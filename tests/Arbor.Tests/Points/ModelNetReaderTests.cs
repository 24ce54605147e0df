using Arbor.Data;
using Arbor.Data.Points;
using Arbor.Hierarchy;

namespace Arbor.Tests.Points;

/// <summary>Reads tiny sets in every layout. Alone: the OFF cache follows $ARBOR_DATA, which other tests also set.</summary>
[Collection(ProcessWideStateCollection.Name)]
public class ModelNetReaderTests
{
    static readonly string[] Ten = BuiltInHierarchies.ModelNet10Classes;
    static readonly string[] Forty = BuiltInHierarchies.ModelNet40Classes;

    static PointCloudDataset Clouds(ImageDataset d) => (PointCloudDataset)d.Resolve(0).Source;

    [Fact]
    public void Hdf5FilesLoadWithTheirLabelsAndTheFirstPoints()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = Directory.CreateDirectory(tmp.File("modelnet40_ply_hdf5_2048")).FullName;
        ModelNetFiles.WriteShapeNames(Path.Combine(dir, "shape_names.txt"), Forty);
        ModelNetFiles.WriteHdf5(Path.Combine(dir, "ply_data_train0.h5"), new[] { 0, 8, 39 }, points: 16);
        ModelNetFiles.WriteHdf5(Path.Combine(dir, "ply_data_train1.h5"), new[] { 8 }, points: 16, firstCloud: 3);
        ModelNetFiles.WriteHdf5(Path.Combine(dir, "ply_data_test0.h5"), new[] { 33, 2 }, points: 16, firstCloud: 10);

        // Found from the data root holding the folder, as `--data-root` gives it.
        var splits = DatasetCatalog.Open("modelnet40", new DatasetOptions { Root = tmp.Path, Points = 8, ValidationFraction = 0 });
        Assert.Equal(new[] { 4, 10, 40 }, splits.Hierarchy.ClassCounts);
        Assert.Equal(new[] { "airplane", "chair", "xbox", "chair" }, splits.Train.Leaves.Select(l => splits.Hierarchy.Node(3, l).Name));
        Assert.Equal(new[] { "table", "bed" }, splits.Test.Leaves.Select(l => splits.Hierarchy.Node(3, l).Name));
        var test = Clouds(splits.Test);
        Assert.Equal(new long[] { 2, 8, 3 }, test.Points.shape);
        AssertIsNormalisedFirstPoints(test.GetPoints(1), ModelNetFiles.Cloud(11, 8));
        Assert.EndsWith("ply_data_test0.h5[1]", test.SourceOf(1));

        // ModelNet10 from the same files: only its classes, on its own hierarchy.
        var ten = DatasetCatalog.Open("modelnet10", new DatasetOptions { Root = tmp.Path, Points = 8, ValidationFraction = 0 });
        Assert.Equal(new[] { 3, 5, 10 }, ten.Hierarchy.ClassCounts);
        Assert.Equal(new[] { "chair", "chair" }, ten.Train.Leaves.Select(l => ten.Hierarchy.Node(3, l).Name));
        Assert.Equal(2, ten.Test.Count);
    }

    [Fact]
    public void TextSetLoadsFromItsListsAndKeepsTheFirstRows()
    {
        using var tmp = TestPaths.NewTempFolder();
        var dir = tmp.Path;
        ModelNetFiles.WriteShapeNames(Path.Combine(dir, "modelnet10_shape_names.txt"), Ten);
        File.WriteAllLines(Path.Combine(dir, "modelnet10_train.txt"), new[] { "chair_0001", "toilet_0002", "bed_0003", "" });
        File.WriteAllLines(Path.Combine(dir, "modelnet10_test.txt"), new[] { "night_stand_0004" });
        ModelNetFiles.WriteText(Path.Combine(dir, "chair", "chair_0001.txt"), ModelNetFiles.Cloud(1, 12));
        ModelNetFiles.WriteText(Path.Combine(dir, "toilet", "toilet_0002.txt"), ModelNetFiles.Cloud(2, 12));
        ModelNetFiles.WriteText(Path.Combine(dir, "bed", "bed_0003.txt"), ModelNetFiles.Cloud(3, 12));
        ModelNetFiles.WriteText(Path.Combine(dir, "night_stand", "night_stand_0004.txt"), ModelNetFiles.Cloud(4, 12));

        var splits = DatasetCatalog.Open(dir, new DatasetOptions { Points = 10, ValidationFraction = 0 });
        Assert.Equal("modelnet10", splits.Hierarchy.Name);
        Assert.Equal(new[] { "chair", "toilet", "bed" }, splits.Train.Leaves.Select(l => splits.Hierarchy.Node(3, l).Name));
        Assert.Equal("night_stand", splits.Hierarchy.Node(3, splits.Test.LeafOf(0)).Name);
        Assert.Equal("tables", splits.Hierarchy.Node(2, splits.Test.LevelLabelsOf(0)[1]).Name);
        AssertIsNormalisedFirstPoints(Clouds(splits.Test).GetPoints(0), ModelNetFiles.Cloud(4, 10));
    }

    [Fact]
    public void OffMeshesAreSampledByAreaTurnedYUpAndCached()
    {
        using var tmp = TestPaths.NewTempFolder();
        using var data = new DataHome(tmp.File("cache-home"));
        var dir = tmp.File("ModelNet10");
        foreach (var (cls, split, size) in new[] { ("chair", "train", 1.0), ("chair", "train", 2.0), ("sofa", "train", 1.0), ("toilet", "test", 3.0) })
            ModelNetFiles.WriteBoxOff(Path.Combine(dir, cls, split, $"{cls}_{(int)(size * 10):0000}.off"), size, 2 * size, 3 * size,
                countsOnHeaderLine: cls == "sofa");

        var splits = DatasetCatalog.Open(tmp.Path, new DatasetOptions { Points = 400, ValidationFraction = 0 });
        Assert.Equal("modelnet10", splits.Hierarchy.Name);
        Assert.Equal(new[] { "chair", "chair", "sofa" }, splits.Train.Leaves.Select(l => splits.Hierarchy.Node(3, l).Name));
        var test = Clouds(splits.Test);
        using var cloud = test.GetPoints(0);
        Assert.Equal(new long[] { 400, 3 }, cloud.shape);
        var c = cloud.data<float>().ToArray();
        var min = Enumerable.Range(0, 3).Select(a => Enumerable.Range(0, 400).Min(p => c[3 * p + a])).ToArray();
        var max = Enumerable.Range(0, 3).Select(a => Enumerable.Range(0, 400).Max(p => c[3 * p + a])).ToArray();
        // z-up 1 × 2 × 3 box turned y-up: x keeps 1, the height 3 becomes y, depth 2 becomes z.
        Assert.InRange((max[1] - min[1]) / (max[0] - min[0]), 2.9, 3.1);
        Assert.InRange((max[2] - min[2]) / (max[0] - min[0]), 1.9, 2.1);
        // Every point lies on a face: on some axis at the cloud's extreme.
        for (int p = 0; p < 400; p++)
            Assert.Contains(Enumerable.Range(0, 3), a => Math.Abs(c[3 * p + a] - min[a]) < 1e-4 || Math.Abs(c[3 * p + a] - max[a]) < 1e-4);
        // Faces are hit in proportion to their area: the two 2 × 3 faces at x = min and max hold 12 of the 22 units of area.
        int onX = Enumerable.Range(0, 400).Count(p => Math.Abs(c[3 * p] - min[0]) < 1e-4 || Math.Abs(c[3 * p] - max[0]) < 1e-4);
        Assert.InRange(onX / 400.0, 6 / 11.0 - 0.08, 6 / 11.0 + 0.08);
        var cacheFiles = Directory.GetFiles(tmp.File("cache-home"), "*.bin", SearchOption.AllDirectories);
        Assert.Equal(2, cacheFiles.Length);
        // The second open reads the cache: the same clouds.
        var again = DatasetCatalog.Open(tmp.Path, new DatasetOptions { Points = 400, ValidationFraction = 0 });
        Assert.True(Clouds(again.Test).Points.eq(test.Points).all().item<bool>());
    }

    [Fact]
    public void MalformedFilesAreRefusedNamingTheFileAndTheProblem()
    {
        using var tmp = TestPaths.NewTempFolder();
        // HDF5: a label outside the class list; a 'data' of the wrong shape; a file that is not HDF5 at all.
        var h5 = Directory.CreateDirectory(tmp.File("h5")).FullName;
        ModelNetFiles.WriteShapeNames(Path.Combine(h5, "shape_names.txt"), Forty);
        ModelNetFiles.WriteHdf5(Path.Combine(h5, "ply_data_train0.h5"), new[] { 0, 40 }, points: 4);
        ModelNetFiles.WriteHdf5(Path.Combine(h5, "ply_data_test0.h5"), new[] { 0 }, points: 4);
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(h5, new DatasetOptions { Points = 4 }));
        Assert.Contains("ply_data_train0.h5", e.Message);
        Assert.Contains("label 40", e.Message);

        new PureHDF.H5File { ["data"] = new float[2, 4], ["label"] = new byte[2, 1] }.Write(Path.Combine(h5, "ply_data_train0.h5"));
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(h5, new DatasetOptions { Points = 4 }));
        Assert.Contains("'data' has shape [2, 4]", e.Message);

        File.WriteAllText(Path.Combine(h5, "ply_data_train0.h5"), "not hdf5");
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(h5, new DatasetOptions { Points = 4 }));
        Assert.Contains("ply_data_train0.h5", e.Message);

        ModelNetFiles.WriteHdf5(Path.Combine(h5, "ply_data_train0.h5"), new[] { 0, 1 }, points: 4);
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(h5, new DatasetOptions { Points = 8 }));
        Assert.Contains("fewer than the 8 asked for", e.Message);

        // Text: a non-number, too few rows, a class that is not listed.
        var txt = Directory.CreateDirectory(tmp.File("txt")).FullName;
        ModelNetFiles.WriteShapeNames(Path.Combine(txt, "modelnet10_shape_names.txt"), Ten);
        File.WriteAllLines(Path.Combine(txt, "modelnet10_train.txt"), new[] { "chair_0001" });
        File.WriteAllLines(Path.Combine(txt, "modelnet10_test.txt"), new[] { "chair_0002" });
        ModelNetFiles.WriteText(Path.Combine(txt, "chair", "chair_0001.txt"), ModelNetFiles.Cloud(0, 6));
        ModelNetFiles.WriteText(Path.Combine(txt, "chair", "chair_0002.txt"), ModelNetFiles.Cloud(0, 6));
        File.AppendAllText(Path.Combine(txt, "chair", "chair_0001.txt"), "1,2,x,0,0,1\n");
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(txt, new DatasetOptions { Points = 7 }));
        Assert.Contains("chair_0001.txt:7", e.Message);
        Assert.Contains("'x' is not a finite number", e.Message);
        // A damaged normal is refused too (the values after x, y, z are dropped, but a NaN there means a damaged file).
        ModelNetFiles.WriteText(Path.Combine(txt, "chair", "chair_0001.txt"), ModelNetFiles.Cloud(0, 6));
        File.AppendAllText(Path.Combine(txt, "chair", "chair_0001.txt"), "1,2,3,0,nan,1\n");
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(txt, new DatasetOptions { Points = 7 }));
        Assert.Contains("chair_0001.txt:7: 'nan' is not a finite number", e.Message);
        ModelNetFiles.WriteText(Path.Combine(txt, "chair", "chair_0001.txt"), ModelNetFiles.Cloud(0, 6));
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(txt, new DatasetOptions { Points = 50 }));
        Assert.Contains("fewer than the 50 asked for", e.Message);
        File.WriteAllLines(Path.Combine(txt, "modelnet10_train.txt"), new[] { "chair_0001", "spoon_0003" });
        e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(txt, new DatasetOptions { Points = 4 }));
        Assert.Contains("modelnet10_train.txt:2", e.Message);
        Assert.Contains("'spoon'", e.Message);

        // OFF: a face pointing past the vertices, counts larger than the file, a wrong header.
        var off = tmp.File("off");
        ModelNetFiles.WriteBoxOff(Path.Combine(off, "chair", "train", "chair_0001.off"), 1, 1, 1);
        ModelNetFiles.WriteBoxOff(Path.Combine(off, "chair", "test", "chair_0002.off"), 1, 1, 1);
        var bad = Path.Combine(off, "chair", "train", "chair_0001.off");
        File.WriteAllText(bad, File.ReadAllText(bad).Replace("4 1 3 7 5", "4 1 3 7 8"));
        using (new DataHome(tmp.File("cache-home")))
        {
            e = Assert.Throws<DatasetException>(() => OffMesh.Read(bad));
            Assert.Contains("chair_0001.off:", e.Message);
            Assert.Contains("vertex index '8' is not in 0..7", e.Message);
            File.WriteAllText(bad, "OFF\n900000 5 0\n0 0 0\n");
            e = Assert.Throws<DatasetException>(() => OffMesh.Read(bad));
            Assert.Contains("cannot fit", e.Message);
            File.WriteAllText(bad, "PLY\n3 1 0\n");
            e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(off, new DatasetOptions { Points = 4, Hierarchy = BuiltInHierarchies.ModelNet40() }));
            Assert.Contains("chair_0001.off", e.Message);
            Assert.Contains("is not OFF", e.Message);
        }
    }

    [Fact]
    public void ClassesOfNeitherModelNetNeedAHierarchy()
    {
        using var tmp = TestPaths.NewTempFolder();
        ModelNetFiles.WriteShapeNames(tmp.File("shape_names.txt"), new[] { "mug", "plate" });
        ModelNetFiles.WriteHdf5(tmp.File("ply_data_train0.h5"), new[] { 0, 1 }, points: 4);
        ModelNetFiles.WriteHdf5(tmp.File("ply_data_test0.h5"), new[] { 1 }, points: 4);
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Open(tmp.Path, new DatasetOptions { Points = 4 }));
        Assert.Contains("neither ModelNet40's nor ModelNet10's", e.Message);
        var own = ClassHierarchy.FromLeafPaths("kitchen", new[] { "kind", "item" }, new[] { new[] { "tableware", "mug" }, new[] { "tableware", "plate" } });
        var splits = DatasetCatalog.Open(tmp.Path, new DatasetOptions { Points = 4, Hierarchy = own, ValidationFraction = 0 });
        Assert.Equal(new[] { 0, 1 }, splits.Train.Leaves);
    }

    /// <summary>The stored points after the readers' centring and scaling into the unit sphere.</summary>
    static void AssertIsNormalisedFirstPoints(TorchSharp.torch.Tensor actual, float[,] expected)
    {
        var flat = new float[expected.Length];
        Buffer.BlockCopy(expected, 0, flat, 0, flat.Length * 4);
        PointArrays.NormalizeToUnitSphere(flat);
        var got = actual.data<float>().ToArray();
        Assert.Equal(flat.Length, got.Length);
        for (int i = 0; i < flat.Length; i++) Assert.Equal(flat[i], got[i], 4);
    }
}

/// <summary>Points $ARBOR_DATA at a folder for the test's duration (the OFF cache goes there).</summary>
internal sealed class DataHome : IDisposable
{
    readonly string? _previous = Environment.GetEnvironmentVariable("ARBOR_DATA");
    public DataHome(string path) => Environment.SetEnvironmentVariable("ARBOR_DATA", path);
    public void Dispose() => Environment.SetEnvironmentVariable("ARBOR_DATA", _previous);
}
