using Arbor.Hierarchy;

namespace Arbor.Data.Points;

/// <summary>Which ModelNet classes a run uses.</summary>
public enum ModelNetVariant
{
    /// <summary>Whatever the files hold (ModelNet40 or ModelNet10 by their class names).</summary>
    Auto,
    /// <summary>The 40 classes.</summary>
    ModelNet40,
    /// <summary>The 10 classes (from a ModelNet10 folder, or ModelNet40's files restricted to those classes).</summary>
    ModelNet10,
}

/// <summary>The three ways ModelNet is distributed.</summary>
public enum ModelNetLayout
{
    /// <summary><c>modelnet40_ply_hdf5_2048</c>: ply_data_train*.h5 / ply_data_test*.h5 and shape_names.txt.</summary>
    Hdf5,
    /// <summary><c>modelnet40_normal_resampled</c>: &lt;class&gt;/&lt;class&gt;_NNNN.txt, the shape-name and split lists.</summary>
    Text,
    /// <summary>The original meshes: ModelNet40/&lt;class&gt;/{train,test}/*.off.</summary>
    Off,
}

/// <summary>
/// ModelNet40 / ModelNet10 point clouds in the HDF5, resampled-text or OFF-mesh layout, found in a folder or in a data
/// root holding one (modelnet40_ply_hdf5_2048, modelnet40_normal_resampled, ModelNet40, ModelNet10). Every cloud keeps
/// <see cref="DatasetOptions.Points"/> points (the first ones of a stored cloud; sampled by area from a mesh), centred and
/// scaled into the unit sphere; y is up (OFF meshes, stored z-up, are turned). Leaves are the built-in ModelNet40 /
/// ModelNet10 hierarchies' classes (or <see cref="DatasetOptions.Hierarchy"/>'s, matched by class name). The training
/// files form the pool validation is carved from; the test files are the test split.
/// </summary>
public static class ModelNet
{
    /// <summary>Subfolders of a data root that may hold a layout, in the order they are tried.</summary>
    static readonly string[] Subfolders = { "", "modelnet40_ply_hdf5_2048", "modelnet40_normal_resampled", "ModelNet40", "ModelNet10" };

    /// <summary>The layout and folder found in <paramref name="folder"/> (or a known subfolder), or null.</summary>
    public static (ModelNetLayout Layout, string Folder)? Detect(string folder, ModelNetVariant variant = ModelNetVariant.Auto)
    {
        var order = variant == ModelNetVariant.ModelNet10 ? Subfolders.Reverse().ToArray() : Subfolders;
        foreach (var sub in order)
        {
            var dir = sub.Length == 0 ? folder : Path.Combine(folder, sub);
            if (!Directory.Exists(dir)) continue;
            if (Directory.EnumerateFiles(dir, "ply_data_train*.h5").Any()) return (ModelNetLayout.Hdf5, dir);
            if (File.Exists(Path.Combine(dir, "modelnet40_shape_names.txt")) || File.Exists(Path.Combine(dir, "modelnet10_shape_names.txt")))
                return (ModelNetLayout.Text, dir);
            if (ModelNetOff.IsPresent(dir)) return (ModelNetLayout.Off, dir);
        }
        return null;
    }

    /// <summary>Reads the set found in <paramref name="folder"/>; a missing or malformed one is a <see cref="DatasetException"/>.</summary>
    public static DatasetSplits Open(string folder, DatasetOptions options, ModelNetVariant variant)
    {
        var found = Detect(folder, variant) ?? throw new DatasetException(
            "no ModelNet files: expected modelnet40_ply_hdf5_2048 (ply_data_train*.h5), modelnet40_normal_resampled " +
            "(modelnet40_shape_names.txt) or ModelNet40/<class>/{train,test}/*.off, here or in a subfolder of that name", folder);
        int points = options.Points ?? DatasetOptions.DefaultPoints;
        if (points is < 1 or > ModelNetLimits.MaxPoints)
            throw new ArborException($"points per cloud must be from 1 to {ModelNetLimits.MaxPoints}, not {points}");
        var (layout, dir) = found;
        var raw = layout switch
        {
            ModelNetLayout.Hdf5 => ModelNetHdf5.Read(dir, points),
            ModelNetLayout.Text => ModelNetText.Read(dir, points, variant),
            _ => ModelNetOff.Read(dir, points),
        };
        return Build(raw, dir, layout, points, options, variant);
    }

    /// <summary>Splits from what a layout reader returned: classes matched to the hierarchy, ModelNet10 filtering.</summary>
    static DatasetSplits Build(RawClouds raw, string dir, ModelNetLayout layout, int points, DatasetOptions options, ModelNetVariant variant)
    {
        var names = raw.ClassNames;
        string Few(IEnumerable<string> list) => string.Join(", ", list.Take(5)) + (list.Count() > 5 ? ", …" : "");
        // A mesh folder may hold only some classes: the files are ModelNet10's / ModelNet40's when their classes are among its.
        bool isTen = names.All(BuiltInHierarchies.ModelNet10Classes.Contains);
        bool isForty = names.All(BuiltInHierarchies.ModelNet40Classes.Contains);
        if (variant == ModelNetVariant.ModelNet10 && !names.Any(BuiltInHierarchies.ModelNet10Classes.Contains))
            throw new DatasetException($"ModelNet10 asked for, but the files hold none of its classes ({Few(names)})", raw.ClassSource);
        if (variant == ModelNetVariant.ModelNet40 && !isForty && options.Hierarchy is null)
            throw new DatasetException($"ModelNet40 asked for, but these classes are not ModelNet40's: {Few(names.Except(BuiltInHierarchies.ModelNet40Classes))}",
                raw.ClassSource);
        bool ten = variant == ModelNetVariant.ModelNet10 || variant == ModelNetVariant.Auto && isTen;
        var hierarchy = options.Hierarchy
            ?? (ten ? BuiltInHierarchies.ModelNet10() : isForty ? BuiltInHierarchies.ModelNet40()
                : throw new DatasetException($"the {names.Count} classes ({Few(names)}) are neither ModelNet40's nor ModelNet10's; " +
                    "pass a hierarchy (--hierarchy) whose leaves are these class names", raw.ClassSource));
        // Classes outside the hierarchy are dropped only for ModelNet10 taken from ModelNet40's files; otherwise an error.
        var keepClass = names.Select(n => !ten || BuiltInHierarchies.ModelNet10Classes.Contains(n)).ToArray();
        var kept = names.Where((_, i) => keepClass[i]).ToArray();
        var leafOfKept = PointLabels.LeafIds(hierarchy, kept, raw.ClassSource);
        var leafOfClass = new int[names.Count];
        for (int i = 0, k = 0; i < names.Count; i++) leafOfClass[i] = keepClass[i] ? leafOfKept[k++] : -1;
        string set = ten ? "modelnet10" : "modelnet40";
        var pool = Select(raw.Train, leafOfClass, hierarchy, points, $"{set} train");
        var test = Select(raw.Test, leafOfClass, hierarchy, points, $"{set} test");
        if (pool.Count == 0) throw new DatasetException("no training clouds", dir);
        if (test.Count == 0) throw new DatasetException("no test clouds", dir);
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, set);
        return new DatasetSplits(train, validation, test,
            $"{set} ({layout.ToString().ToLowerInvariant()} layout) from {dir}, {points} points per cloud: {pool.Count} training-pool " +
            $"clouds ({train.Count} train, {validation.Count} validation), {test.Count} test");
    }

    static PointCloudDataset Select(RawSplit split, int[] leafOfClass, ClassHierarchy hierarchy, int points, string name)
    {
        var chosen = Enumerable.Range(0, split.Labels.Length).Where(i => leafOfClass[split.Labels[i]] >= 0).ToArray();
        int stride = 3 * points;
        var xyz = chosen.Length == split.Labels.Length ? split.Points : new float[(long)chosen.Length * stride];
        if (!ReferenceEquals(xyz, split.Points))
            for (int k = 0; k < chosen.Length; k++) Array.Copy(split.Points, (long)chosen[k] * stride, xyz, (long)k * stride, stride);
        return new PointCloudDataset(name, hierarchy, xyz, points, chosen.Select(i => leafOfClass[split.Labels[i]]).ToArray(),
            chosen.Select(i => split.Sources[i]).ToArray());
    }
}

/// <summary>Bounds every ModelNet reader checks before allocating.</summary>
public static class ModelNetLimits
{
    /// <summary>Most points kept per cloud.</summary>
    public const int MaxPoints = 100_000;
    /// <summary>Most clouds in one split (ModelNet40 has 9,843 training clouds).</summary>
    public const int MaxClouds = 1_000_000;
    /// <summary>Most floats held for one split (a .NET array's limit).</summary>
    public static long MaxValues => Array.MaxLength;
    /// <summary>Most classes.</summary>
    public const int MaxClasses = 10_000;
}

/// <summary>One split as a layout reader returns it: points (clouds × P × 3), class index per cloud, source per cloud.</summary>
internal sealed record RawSplit(float[] Points, int[] Labels, string[] Sources);

/// <summary>Both splits and the class names the labels index (with the file they came from).</summary>
internal sealed record RawClouds(IReadOnlyList<string> ClassNames, string ClassSource, RawSplit Train, RawSplit Test);

/// <summary>Reading a class-name list (one name a line; blank lines ignored).</summary>
internal static class ShapeNameList
{
    public static string[] Read(string path)
    {
        if (!File.Exists(path)) throw new DatasetException("class-name list not found", path);
        if (new FileInfo(path).Length > 1 << 20) throw new DatasetException("class-name list larger than 1 MiB", path);
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length == 0) throw new DatasetException("class-name list is empty", path);
        if (names.Length > ModelNetLimits.MaxClasses) throw new DatasetException($"{names.Length} classes; at most {ModelNetLimits.MaxClasses}", path);
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new DatasetException($"class '{duplicate.Key}' is listed twice", path);
        return names;
    }
}
