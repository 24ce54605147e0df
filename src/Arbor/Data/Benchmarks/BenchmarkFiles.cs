using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// What the benchmark readers share: finding the folder a download unpacks to, reading split lists line by line, mapping
/// the class names a dataset writes to leaves of its built-in hierarchy, and turning checked file lists into splits.
/// Every problem is a <see cref="DatasetException"/> naming the file (and line).
/// </summary>
internal static class BenchmarkFiles
{
    /// <summary>
    /// The first of <paramref name="candidates"/> (relative to <paramref name="root"/>, "" for the root itself) that holds
    /// every path in <paramref name="marks"/>; null when none does.
    /// </summary>
    public static string? Locate(string root, string[] candidates, params string[] marks)
    {
        foreach (var candidate in candidates)
        {
            var dir = Path.GetFullPath(Path.Combine(root, candidate));
            if (marks.All(m => File.Exists(Path.Combine(dir, m)) || Directory.Exists(Path.Combine(dir, m)))) return dir;
        }
        return null;
    }

    /// <summary>A file that must exist.</summary>
    public static string RequireFile(string dir, string relative)
    {
        var path = Path.Combine(dir, relative);
        if (!File.Exists(path)) throw new DatasetException("file not found (the dataset's own layout needs it)", path);
        return path;
    }

    /// <summary>A folder that must exist.</summary>
    public static string RequireFolder(string dir, string relative)
    {
        var path = Path.Combine(dir, relative);
        if (!Directory.Exists(path)) throw new DatasetException("folder not found (the dataset's own layout needs it)", path);
        return path;
    }

    /// <summary>Non-blank lines of a text file, trimmed, with their 1-based numbers; an empty file is an error.</summary>
    public static List<(string Text, int Line)> Lines(string file)
    {
        string[] all;
        try { all = File.ReadAllLines(file); }
        catch (IOException e) { throw new DatasetException($"cannot read: {e.Message}", file); }
        var lines = new List<(string, int)>();
        for (int i = 0; i < all.Length; i++)
            if (all[i].Trim() is { Length: > 0 } text) lines.Add((text, i + 1));
        if (lines.Count == 0) throw new DatasetException("empty file: no entries", file);
        return lines;
    }

    /// <summary>Class-name key shared by files and hierarchies: lower case, '_' and '-' as spaces, single spaces.</summary>
    public static string Key(string name) =>
        string.Join(' ', name.ToLowerInvariant().Replace('_', ' ').Replace('-', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A map from <see cref="Key"/>(leaf name) to leaf id for a hierarchy.</summary>
    public static Dictionary<string, int> LeafKeys(ClassHierarchy hierarchy)
    {
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in hierarchy.NodesAt(hierarchy.Depth))
            if (!keys.TryAdd(Key(node.Name), node.LocalIndex))
                throw new HierarchyException($"two leaves share the name key '{Key(node.Name)}'", hierarchy.Name, node: node.Name);
        return keys;
    }

    /// <summary>The leaf of a class name as the dataset writes it, or an error naming the file and line.</summary>
    public static int Leaf(Dictionary<string, int> keys, ClassHierarchy hierarchy, string className, string file, int? line = null) =>
        keys.TryGetValue(Key(className), out int leaf) ? leaf
            : throw new DatasetException($"class '{className}' is not a leaf of the {hierarchy.Name} hierarchy ({hierarchy.LeafCount} leaves, " +
                $"e.g. {string.Join(", ", hierarchy.NodesAt(hierarchy.Depth).Take(3).Select(n => $"'{n.Name}'"))})", file, line);

    /// <summary>
    /// A file dataset over checked entries: every image file must exist (the first missing one is named, with how many
    /// are missing). A class without images is allowed (a subset of a benchmark); <c>reproduce --dry-run</c> shows it.
    /// </summary>
    public static FileImageDataset Build(string name, ClassHierarchy hierarchy, List<ImageEntry> entries, string source)
    {
        if (entries.Count == 0) throw new DatasetException($"no images for {name}", source);
        var missing = entries.Where(e => !File.Exists(e.Path)).ToList();
        if (missing.Count > 0)
            throw new DatasetException($"image listed by {source} not found ({missing.Count} of {entries.Count} missing)", missing[0].Path);
        return new FileImageDataset(name, hierarchy, entries);
    }

    /// <summary>Image files (png/jpg/jpeg/webp, not hidden) directly in a folder, sorted by name.</summary>
    public static IEnumerable<string> ImagesIn(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => ImageFolderDataset.IsImageFile(f) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal);

    /// <summary>Sub-folders, sorted by name (the class order torchvision's ImageFolder uses).</summary>
    public static IEnumerable<string> Folders(string folder) =>
        Directory.EnumerateDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal);

    /// <summary>Train pool + official test: validation carved from the pool (never from test).</summary>
    public static DatasetSplits WithCarvedValidation(string name, ImageDataset pool, ImageDataset test, DatasetOptions options, string where)
    {
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, name);
        return new DatasetSplits(train, validation, test,
            $"{name} from {where}: {train.Count} train, {validation.Count} validation (carved from train, seed {options.Seed}), {test.Count} test");
    }

    /// <summary>One pool without an official split: test, then validation, carved by fraction and seed.</summary>
    public static DatasetSplits CarveAll(string name, ImageDataset all, DatasetOptions options, string where)
    {
        var (poolIdx, testIdx) = SplitCarver.Carve(all.Leaves, options.TestFraction, options.Seed ^ 0x7E57);
        var pool = all.Subset(poolIdx, $"{name} pool");
        var test = all.Subset(testIdx, $"{name} test");
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, name);
        return new DatasetSplits(train, validation, test,
            $"{name} from {where}: {all.Count} images without an official split; test {test.Count} ({options.TestFraction:P0}) and " +
            $"validation {validation.Count} carved by seed {options.Seed}; {train.Count} train");
    }
}
