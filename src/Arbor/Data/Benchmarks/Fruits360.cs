using System.Text.RegularExpressions;
using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// Fruits-360 (Mureşan &amp; Oltean 2018) as downloaded: <c>Training/&lt;class&gt;/*.jpg</c> and <c>Test/&lt;class&gt;/*.jpg</c>.
/// Hierarchy: HGCLIP's kind → fruit → variety file; numbered folders of one variety ("Apple Red 1", "Apple Red 2") are
/// that variety, as HGCLIP's names have no numbers. A folder naming no variety of the hierarchy is an error.
/// </summary>
internal static partial class Fruits360
{
    static readonly string[] Candidates =
        { "", "fruits-360", "fruits-360/fruits-360_dataset/fruits-360", "fruits-360_dataset/fruits-360", "fruits-360-dataset/fruits-360" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "Training", "Test");

    [GeneratedRegex(@"\s+\d+$")]
    private static partial Regex VariantNumber();

    /// <summary>The variety a folder holds: its name without a trailing variant number.</summary>
    public static string Variety(string folder) => VariantNumber().Replace(folder.Trim(), "");

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("Fruits-360 not found: expected Training/ and Test/ class folders", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Get("fruits-360");
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        FileImageDataset Read(string split)
        {
            var splitDir = Path.Combine(dir, split);
            var entries = new List<ImageEntry>();
            foreach (var folder in BenchmarkFiles.Folders(splitDir))
            {
                int leaf = BenchmarkFiles.Leaf(keys, hierarchy, Variety(Path.GetFileName(folder)), folder);
                entries.AddRange(BenchmarkFiles.ImagesIn(folder).Select(f => new ImageEntry(f, leaf)));
            }
            return BenchmarkFiles.Build($"fruits-360 {split.ToLowerInvariant()}", hierarchy, entries, splitDir);
        }
        return BenchmarkFiles.WithCarvedValidation("fruits-360", Read("Training"), Read("Test"), options, dir);
    }
}
