using Arbor.Hierarchy;
using Arbor.IO;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// Stanford Cars (Krause et al. 2013) as downloaded: <c>stanford_cars/</c> with <c>devkit/cars_meta.mat</c> (196 class
/// names), <c>devkit/cars_train_annos.mat</c>, <c>cars_test_annos_withlabels.mat</c> (struct arrays
/// <c>annotations</c> with <c>fname</c> and 1-based <c>class</c>), and the images in <c>cars_train/</c>,
/// <c>cars_test/</c>. Hierarchy: body type → model (9 / 196), the body type of each class from HGCLIP's table.
/// </summary>
internal static class StanfordCars
{
    static readonly string[] Candidates = { "", "stanford_cars", "stanford-cars" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "devkit/cars_meta.mat", "cars_train");

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("Stanford Cars not found: expected devkit/cars_meta.mat, cars_train/, cars_test/ " +
            "and cars_test_annos_withlabels.mat (unpack car_devkit.tgz, cars_train.tgz, cars_test.tgz here)", root);
        var hierarchy = options.Hierarchy ?? Hierarchy(BenchmarkFiles.RequireFile(dir, "devkit/cars_meta.mat"));
        FileImageDataset Read(string split, string annotations, string images)
        {
            var path = BenchmarkFiles.RequireFile(dir, annotations);
            var file = MatFile.Read(path);
            if (!file.TryGetValue("annotations", out var annos) || annos.Class != "struct")
                throw new DatasetException("no struct array 'annotations'", path);
            var entries = new List<ImageEntry>(annos.Count);
            for (int i = 0; i < annos.Elements.Length; i++)
            {
                var e = annos.Elements[i];
                if (!e.TryGetValue("fname", out var fname) || fname.Class != "char" || fname.Text.Length == 0)
                    throw new DatasetException("annotation has no file name 'fname'", path, index: i);
                if (!e.TryGetValue("class", out var cls) || cls.Numbers.Length != 1)
                    throw new DatasetException($"annotation of {fname.Text} has no 'class' (the test annotations without labels " +
                        "cannot be used; download cars_test_annos_withlabels.mat)", path, index: i);
                double id = cls.Numbers[0];
                if (id != Math.Floor(id) || id < 1 || id > hierarchy.LeafCount)
                    throw new DatasetException($"class {id} of {fname.Text} is not in 1..{hierarchy.LeafCount}", path, index: i);
                entries.Add(new ImageEntry(Path.Combine(dir, images, fname.Text), (int)id - 1));
            }
            return BenchmarkFiles.Build($"stanford-cars {split}", hierarchy, entries, path);
        }
        var pool = Read("train", "devkit/cars_train_annos.mat", "cars_train");
        var test = Read("test", File.Exists(Path.Combine(dir, "cars_test_annos_withlabels.mat"))
            ? "cars_test_annos_withlabels.mat" : "devkit/cars_test_annos_withlabels.mat", "cars_test");
        return BenchmarkFiles.WithCarvedValidation("stanford-cars", pool, test, options, dir);
    }

    /// <summary>Model names from cars_meta.mat under HGCLIP's body types.</summary>
    static ClassHierarchy Hierarchy(string metaPath)
    {
        var meta = MatFile.Read(metaPath);
        if (!meta.TryGetValue("class_names", out var names) || names.Class != "cell")
            throw new DatasetException("no cell array 'class_names'", metaPath);
        var types = BodyTypes();
        if (names.Cells.Length != types.Length)
            throw new DatasetException($"{names.Cells.Length} class names, Stanford Cars has {types.Length}", metaPath);
        var paths = names.Cells.Select((c, i) => c.Class == "char" && c.Text.Trim().Length > 0
            ? (IReadOnlyList<string>)new[] { types[i], c.Text.Trim() }
            : throw new DatasetException($"class name {i + 1} is not text", metaPath)).ToList();
        return ClassHierarchy.FromLeafPaths("stanford-cars", new[] { "body type", "model" }, paths, metaPath);
    }

    static string[] BodyTypes()
    {
        using var stream = typeof(StanfordCars).Assembly.GetManifestResourceStream("Arbor.Data.Benchmarks.Tables.stanford-cars-types.txt")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(' ', 2)[1].Trim()).ToArray();
    }
}
