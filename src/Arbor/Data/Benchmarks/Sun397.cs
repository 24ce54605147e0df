using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// SUN397 (Xiao et al. 2010) as downloaded: <c>SUN397/&lt;letter&gt;/&lt;class&gt;[/&lt;place&gt;]/sun_*.jpg</c> with
/// <c>ClassName.txt</c> (lines <c>/a/abbey</c>, <c>/a/apartment_building/outdoor</c>) and, from Partitions.zip, the ten
/// official partitions <c>Training_NN.txt</c> / <c>Testing_NN.txt</c> (lines <c>/a/abbey/sun_aaalbzqrimafwbiv.jpg</c>),
/// beside ClassName.txt or in <c>Partitions/</c>. Partition 1 is read (validation carved from its training half); without
/// the partition files (torchvision's layout) test and validation are carved by seed.
/// <para>
/// Hierarchy: SUN's three-level one (indoor / outdoor natural / outdoor man-made → 16 categories → scenes) is a separate
/// spreadsheet on the SUN site (hierarchy_three_levels.zip) that is not available here — and it puts some scenes under
/// several categories — so the built-in hierarchy is flat (one level, "scene", the 397 classes of ClassName.txt, named
/// as CLIP's prompts name them: "apartment building outdoor"). Give <c>--hierarchy</c> with a tree whose leaves are those
/// names (or the ClassName.txt paths) for more levels.
/// </para>
/// </summary>
internal static class Sun397
{
    static readonly string[] Candidates = { "", "SUN397", "sun397", "sun397/SUN397" };
    const string Classes = "ClassName.txt";

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, Classes);

    /// <summary>"/a/apartment_building/outdoor" → "apartment building outdoor".</summary>
    public static string NameOf(string classPath) => string.Join(' ', classPath.Trim('/').Split('/').Skip(1)).Replace('_', ' ');

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException($"SUN397 not found: expected SUN397/{Classes} and SUN397/<letter>/<class>/ " +
            "(unpack SUN397.tar.gz here)", root);
        var classFile = Path.Combine(dir, Classes);
        var classes = new List<(string Path, int Line)>();
        foreach (var (text, line) in BenchmarkFiles.Lines(classFile))
        {
            var parts = text.Trim('/').Split('/');
            if (!text.StartsWith('/') || parts.Length < 2 || parts[0].Length != 1 || parts[1].Length == 0)
                throw new DatasetException($"expected a class path like '/a/abbey', found '{text}'", classFile, line);
            classes.Add((text.TrimEnd('/'), line));
        }
        var hierarchy = options.Hierarchy ?? ClassHierarchy.FromLeafPaths("sun397", new[] { "scene" },
            classes.Select(c => (IReadOnlyList<string>)new[] { NameOf(c.Path) }).ToList(), classFile, classes.Select(c => c.Line).ToList());
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        var leafOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (path, line) in classes)
        {
            if (!keys.TryGetValue(BenchmarkFiles.Key(NameOf(path)), out int leaf) && !keys.TryGetValue(BenchmarkFiles.Key(path), out leaf))
                leaf = BenchmarkFiles.Leaf(keys, hierarchy, NameOf(path), classFile, line);
            if (!leafOf.TryAdd(path, leaf)) throw new DatasetException($"class '{path}' listed twice", classFile, line);
        }

        var partitions = new[] { dir, Path.Combine(dir, "Partitions"), Path.Combine(dir, "..", "Partitions"), Path.Combine(dir, "..") }
            .Select(Path.GetFullPath).FirstOrDefault(d => File.Exists(Path.Combine(d, "Training_01.txt")));
        if (partitions is null)
        {
            var entries = new List<ImageEntry>();
            foreach (var (path, _) in classes)
            {
                var folder = Path.Combine(dir, path.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));
                if (!Directory.Exists(folder)) throw new DatasetException($"the folder of class '{path}' listed in {Classes} is missing", folder);
                entries.AddRange(BenchmarkFiles.ImagesIn(folder).Select(f => new ImageEntry(f, leafOf[path])));
            }
            return BenchmarkFiles.CarveAll("sun397", BenchmarkFiles.Build("sun397", hierarchy, entries, dir), options, dir);
        }
        FileImageDataset Read(string split, string file)
        {
            var list = BenchmarkFiles.RequireFile(partitions, file);
            var entries = new List<ImageEntry>();
            foreach (var (text, line) in BenchmarkFiles.Lines(list))
            {
                int slash = text.LastIndexOf('/');
                if (!text.StartsWith('/') || slash <= 0)
                    throw new DatasetException($"expected an image path like '/a/abbey/sun_x.jpg', found '{text}'", list, line);
                if (!leafOf.TryGetValue(text[..slash], out int leaf))
                    throw new DatasetException($"class '{text[..slash]}' is not listed in {Classes}", list, line);
                entries.Add(new ImageEntry(Path.Combine(dir, text.TrimStart('/').Replace('/', Path.DirectorySeparatorChar)), leaf));
            }
            return BenchmarkFiles.Build($"sun397 {split}", hierarchy, entries, list);
        }
        var splits = BenchmarkFiles.WithCarvedValidation("sun397", Read("train", "Training_01.txt"), Read("test", "Testing_01.txt"), options, dir);
        return splits with { Description = splits.Description + " (official partition 1)" };
    }
}
