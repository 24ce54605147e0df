using Arbor.Hierarchy;

namespace Arbor.Data;

/// <summary>
/// An image-folder tree: <c>root/&lt;level1&gt;/…/&lt;leaf&gt;/*.png|jpg|jpeg|webp|gif|bmp</c>. The folders are the hierarchy
/// (levels named level1, level2, …) unless one is given, in which case each leaf folder must be a leaf of it. When the root
/// holds <c>train/</c> and <c>test/</c> (and optionally <c>val/</c> or <c>validation/</c>) trees, those are the splits;
/// otherwise the test split is carved from the whole tree by <see cref="DatasetOptions.TestFraction"/>, and validation from
/// the rest. Every image must sit at the same depth; a leaf folder without images is an error.
/// </summary>
public static class ImageFolderDataset
{
    /// <summary>True for the file extensions Arbor decodes.</summary>
    public static bool IsImageFile(string path) => ImageDecoder.Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        root = Path.GetFullPath(root);
        string? Split(params string[] names) => names.Select(n => Path.Combine(root, n)).FirstOrDefault(Directory.Exists);
        var trainDir = Split("train");
        var testDir = Split("test");
        var valDir = Split("val", "validation");
        if (trainDir is not null && testDir is not null)
        {
            var trainPaths = Scan(trainDir);
            var testPaths = Scan(testDir);
            var valPaths = valDir is null ? null : Scan(valDir);
            var hierarchy = options.Hierarchy ?? HierarchyFromFolders(root, trainPaths.Concat(testPaths).Concat(valPaths ?? new()).ToList());
            var pool = Build($"{Path.GetFileName(root)} train", hierarchy, trainDir, trainPaths, checkEmpty: true);
            var test = Build($"{Path.GetFileName(root)} test", hierarchy, testDir, testPaths, checkEmpty: false);
            if (valPaths is not null)
            {
                var val = Build($"{Path.GetFileName(root)} validation", hierarchy, valDir!, valPaths, checkEmpty: false);
                return new DatasetSplits(pool, val, test, $"image folders under {root}: {pool.Count} train, {val.Count} validation, {test.Count} test");
            }
            var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, Path.GetFileName(root));
            return new DatasetSplits(train, validation, test,
                $"image folders under {root}: {train.Count} train, {validation.Count} validation (carved), {test.Count} test");
        }
        else
        {
            var paths = Scan(root);
            var hierarchy = options.Hierarchy ?? HierarchyFromFolders(root, paths);
            var all = Build(Path.GetFileName(root), hierarchy, root, paths, checkEmpty: true);
            var (poolIdx, testIdx) = SplitCarver.Carve(all.Leaves, options.TestFraction, options.Seed ^ 0x7E57);
            var pool = all.Subset(poolIdx, $"{all.Name} pool");
            var test = all.Subset(testIdx, $"{all.Name} test");
            var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, all.Name);
            return new DatasetSplits(train, validation, test,
                $"image folders under {root}: {all.Count} images, no train/test folders, so test ({test.Count}) and validation " +
                $"({validation.Count}) are carved by seed {options.Seed}; {train.Count} train");
        }
    }

    /// <summary>Image files under <paramref name="dir"/> as (folder path parts relative to dir, full path), sorted.</summary>
    static List<(string[] Folders, string File)> Scan(string dir)
    {
        var found = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => IsImageFile(f) && !Path.GetFileName(f).StartsWith('.'))
            .Select(f => (Folders: Path.GetRelativePath(dir, Path.GetDirectoryName(f)!).Split(Path.DirectorySeparatorChar), File: f))
            .OrderBy(e => e.File, StringComparer.Ordinal)
            .ToList();
        if (found.Count == 0) throw new DatasetException($"no images ({string.Join(", ", ImageDecoder.Extensions.Select(e => "*" + e))}) in the folder tree", dir);
        int depth = found[0].Folders.Length;
        if (found[0].Folders is ["."]) throw new DatasetException("images lie directly in the root; put them in <class>/ folders", dir);
        foreach (var e in found)
            if (e.Folders.Length != depth)
                throw new DatasetException($"images at different depths: {depth} folder levels for '{found[0].File}', " +
                    $"{e.Folders.Length} for this one; every leaf must sit at the same level", e.File);
        // A leaf folder with no images (but at leaf depth) is an empty class.
        foreach (var leafDir in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(dir, leafDir).Split(Path.DirectorySeparatorChar);
            if (rel.Length == depth && !Directory.EnumerateFiles(leafDir).Any(IsImageFile))
                throw new DatasetException("empty class: the folder has no images", leafDir);
        }
        return found;
    }

    static ClassHierarchy HierarchyFromFolders(string root, List<(string[] Folders, string File)> files)
    {
        int depth = files[0].Folders.Length;
        var paths = files.Select(f => f.Folders).DistinctBy(f => string.Join('\0', f)).ToList();
        paths.Sort((a, b) => string.CompareOrdinal(string.Join('/', a), string.Join('/', b)));
        var levels = Enumerable.Range(1, depth).Select(l => $"level{l}").ToArray();
        return ClassHierarchy.FromLeafPaths(Path.GetFileName(root), levels, paths.Select(p => (IReadOnlyList<string>)p).ToList(), root);
    }

    static FileImageDataset Build(string name, ClassHierarchy hierarchy, string dir, List<(string[] Folders, string File)> files, bool checkEmpty)
    {
        var entries = new List<ImageEntry>(files.Count);
        foreach (var (folders, file) in files)
        {
            if (folders.Length != hierarchy.Depth)
                throw new DatasetException($"image sits {folders.Length} folders deep but hierarchy '{hierarchy.Name}' has {hierarchy.Depth} levels", file);
            if (!hierarchy.TryFind(hierarchy.Depth, folders[^1], out var leaf))
                throw new DatasetException($"class '{folders[^1]}' is not a leaf of hierarchy '{hierarchy.Name}'", file);
            entries.Add(new ImageEntry(file, leaf.LocalIndex));
        }
        var dataset = new FileImageDataset(name, hierarchy, entries);
        if (checkEmpty)
        {
            var counts = dataset.CountPerLeaf();
            int empty = Array.IndexOf(counts, 0);
            if (empty >= 0)
                throw new DatasetException($"empty class: leaf '{hierarchy.Node(hierarchy.Depth, empty).Name}' of hierarchy '{hierarchy.Name}' has no images", dir);
        }
        return dataset;
    }
}
