namespace Arbor.Data.Points;

/// <summary>
/// <c>modelnet40_normal_resampled</c> (PointNet++'s distribution): <c>modelnet40_shape_names.txt</c>, split lists
/// <c>modelnet40_train.txt</c> / <c>modelnet40_test.txt</c> of sample names (<c>airplane_0001</c>), and one file per
/// sample <c>&lt;class&gt;/&lt;name&gt;.txt</c> of comma-separated rows x,y,z[,nx,ny,nz] (10,000 rows). The first N rows
/// are kept (as PointNet++ does without farthest-point sampling), normals dropped. ModelNet10 uses the
/// <c>modelnet10_*</c> lists when present. Every row is checked: 3 or 6 finite numbers.
/// </summary>
internal static class ModelNetText
{
    public static RawClouds Read(string dir, int points, ModelNetVariant variant)
    {
        string prefix = variant == ModelNetVariant.ModelNet10 && File.Exists(Path.Combine(dir, "modelnet10_shape_names.txt"))
            || !File.Exists(Path.Combine(dir, "modelnet40_shape_names.txt")) ? "modelnet10" : "modelnet40";
        var namesFile = Path.Combine(dir, $"{prefix}_shape_names.txt");
        var names = ShapeNameList.Read(namesFile);
        var index = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
        var train = ReadSplit(dir, Path.Combine(dir, $"{prefix}_train.txt"), index, points);
        var test = ReadSplit(dir, Path.Combine(dir, $"{prefix}_test.txt"), index, points);
        return new RawClouds(names, namesFile, train, test);
    }

    static RawSplit ReadSplit(string dir, string listFile, Dictionary<string, int> classes, int points)
    {
        if (!File.Exists(listFile)) throw new DatasetException("split list not found", listFile);
        if (new FileInfo(listFile).Length > 64L << 20) throw new DatasetException("split list larger than 64 MiB", listFile);
        var lines = File.ReadAllLines(listFile);
        var samples = new List<(string Name, int Class, int Line)>();
        for (int l = 0; l < lines.Length; l++)
        {
            var name = lines[l].Trim();
            if (name.Length == 0) continue;
            int cut = name.LastIndexOf('_');
            if (cut <= 0 || name.IndexOfAny(new[] { '/', '\\' }) >= 0 || name.Contains(".."))
                throw new DatasetException($"'{name}' is not a sample name of the form <class>_NNNN", listFile, line: l + 1);
            if (!classes.TryGetValue(name[..cut], out int cls))
                throw new DatasetException($"class '{name[..cut]}' of '{name}' is not in the shape-name list", listFile, line: l + 1);
            samples.Add((name, cls, l + 1));
        }
        if (samples.Count == 0) throw new DatasetException("the split list names no samples", listFile);
        if (samples.Count > ModelNetLimits.MaxClouds || (long)samples.Count * 3 * points > ModelNetLimits.MaxValues)
            throw new DatasetException($"{samples.Count:N0} samples of {points} points do not fit in memory as one array", listFile);
        var xyz = new float[(long)samples.Count * 3 * points];
        var sources = new string[samples.Count];
        ParallelReads.For(samples.Count, i =>
        {
            var (name, cls, _) = samples[i];
            var file = Path.Combine(dir, name[..name.LastIndexOf('_')], name + ".txt");
            sources[i] = file;
            var span = xyz.AsSpan((int)((long)i * 3 * points), 3 * points);
            ReadCloud(file, span, points);
            PointArrays.NormalizeToUnitSphere(span);
        });
        return new RawSplit(xyz, samples.Select(s => s.Class).ToArray(), sources);
    }

    /// <summary>The first <paramref name="points"/> rows of one sample file into <paramref name="xyz"/>.</summary>
    internal static void ReadCloud(string file, Span<float> xyz, int points)
    {
        if (!File.Exists(file)) throw new DatasetException("sample file not found (listed in the split list)", file);
        int rows = PointRows.Read(file, xyz[..(3 * points)], blanksToo: false);
        if (rows < points)
            throw new DatasetException($"{rows} points, fewer than the {points} asked for (--points)", file);
    }
}
