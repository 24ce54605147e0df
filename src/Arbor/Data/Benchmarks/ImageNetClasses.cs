using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>One ImageNet-1k class: its index (0 = n01440764), WordNet id and name in Arbor's <c>imagenet</c> hierarchy.</summary>
internal sealed record ImageNetClass(int Index, string Wnid, string Name);

/// <summary>
/// ImageNet-1k's classes (<c>Tables/imagenet-classes.tsv</c>, written with the built-in <c>imagenet</c> and
/// <c>imagenet-314</c> hierarchies by <c>scripts/make-imagenet-tables.py</c>) and what every ImageNet-derived reader shares:
/// finding the leaf of a class folder named by its WordNet id, and reading <c>&lt;wnid&gt;/</c> class folders.
/// </summary>
internal static class ImageNetClasses
{
    static readonly Lazy<ImageNetClass[]> Table = new(() =>
    {
        using var stream = typeof(ImageNetClasses).Assembly.GetManifestResourceStream("Arbor.Data.Benchmarks.Tables.imagenet-classes.tsv")
            ?? throw new InvalidOperationException("the resource imagenet-classes.tsv is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.TrimEnd('\r').Split('\t')).Select(c => new ImageNetClass(int.Parse(c[0]), c[1], c[2])).ToArray();
    });

    static readonly Lazy<Dictionary<string, ImageNetClass>> ByWnid = new(() => Table.Value.ToDictionary(c => c.Wnid, StringComparer.Ordinal));

    /// <summary>The 1,000 classes in index order.</summary>
    public static IReadOnlyList<ImageNetClass> All => Table.Value;

    /// <summary>The class of a WordNet id, or null when it is not one of ImageNet-1k's.</summary>
    public static ImageNetClass? Find(string wnid) => ByWnid.Value.GetValueOrDefault(wnid);

    /// <summary>
    /// Where each ImageNet class sits in <paramref name="hierarchy"/>: the leaf named by its WordNet id or by its name
    /// (so a user hierarchy may use either); classes without a leaf are absent (the hierarchy covers a subset).
    /// </summary>
    public static Dictionary<string, int> LeavesOf(ClassHierarchy hierarchy, string? source = null)
    {
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        var leaves = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in All)
            if (keys.TryGetValue(BenchmarkFiles.Key(c.Wnid), out int leaf) || keys.TryGetValue(BenchmarkFiles.Key(c.Name), out leaf))
                leaves[c.Wnid] = leaf;
        if (leaves.Count == 0)
            throw new DatasetException($"no leaf of the {hierarchy.Name} hierarchy is an ImageNet class (leaves must be named by " +
                "WordNet id, e.g. 'n01440764', or by Arbor's ImageNet class name, e.g. 'tench')", source ?? hierarchy.Name);
        return leaves;
    }

    /// <summary>
    /// Images of <c>folder/&lt;wnid&gt;/*</c> for the classes in <paramref name="leaves"/>; a folder whose name is not an
    /// ImageNet WordNet id is an error naming it, a class outside the hierarchy is skipped.
    /// </summary>
    public static List<ImageEntry> ReadClassFolders(string folder, Dictionary<string, int> leaves)
    {
        var entries = new List<ImageEntry>();
        foreach (var dir in BenchmarkFiles.Folders(folder))
        {
            var wnid = Path.GetFileName(dir);
            if (Find(wnid) is null)
                throw new DatasetException($"class folder '{wnid}' is not an ImageNet-1k WordNet id (expected e.g. n01440764)", dir);
            if (leaves.TryGetValue(wnid, out int leaf)) entries.AddRange(BenchmarkFiles.ImagesIn(dir).Select(f => new ImageEntry(f, leaf)));
        }
        return entries;
    }

    /// <summary>
    /// <paramref name="hierarchy"/> cut down to the leaves in <paramref name="keep"/> (their ancestors stay, every other node
    /// goes), in leaf order; the name says what it was cut to.
    /// </summary>
    public static ClassHierarchy Prune(ClassHierarchy hierarchy, ISet<int> keep, string name)
    {
        var paths = new List<IReadOnlyList<string>>();
        for (int leaf = 0; leaf < hierarchy.LeafCount; leaf++)
            if (keep.Contains(leaf))
                paths.Add(hierarchy.PathOf(leaf).Select((id, l) => hierarchy.Node(l + 1, id).Name).ToArray());
        return ClassHierarchy.FromLeafPaths(name, hierarchy.LevelNames, paths, hierarchy.Name);
    }
}
