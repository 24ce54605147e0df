using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// Caltech-101 (Fei-Fei et al. 2004) as downloaded: <c>101_ObjectCategories/&lt;class&gt;/image_0001.jpg</c>;
/// <c>BACKGROUND_Google</c> is not a class and is skipped. There is no official split: test (default 20 %, as HGCLIP)
/// and validation are carved per class by seed. Hierarchy: HGCLIP's category → group → class file (11 / 51 / 101).
/// </summary>
internal static class Caltech101
{
    static readonly string[] Candidates = { "", "caltech-101", "caltech101", "caltech-101/caltech101", "caltech101/caltech101" };
    const string Images = "101_ObjectCategories";

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, Images);

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException($"Caltech-101 not found: expected {Images}/<class>/*.jpg " +
            "(unpack 101_ObjectCategories.tar.gz here)", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Get("caltech-101");
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        var entries = new List<ImageEntry>();
        foreach (var folder in BenchmarkFiles.Folders(Path.Combine(dir, Images)))
        {
            var name = Path.GetFileName(folder);
            if (name.StartsWith("BACKGROUND", StringComparison.OrdinalIgnoreCase)) continue;
            int leaf = BenchmarkFiles.Leaf(keys, hierarchy, name, folder);
            entries.AddRange(BenchmarkFiles.ImagesIn(folder).Select(f => new ImageEntry(f, leaf)));
        }
        var all = BenchmarkFiles.Build("caltech-101", hierarchy, entries, Path.Combine(dir, Images));
        return BenchmarkFiles.CarveAll("caltech-101", all, options, dir);
    }
}
