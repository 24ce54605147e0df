using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// EuroSAT RGB (Helber et al. 2019) as downloaded: <c>2750/&lt;Class&gt;/&lt;Class&gt;_&lt;n&gt;.jpg</c> (or
/// <c>EuroSAT/…</c>, <c>EuroSAT_RGB/…</c>), ten classes in CamelCase. No official split: test and validation are carved by
/// seed. Hierarchy: Arbor's grouping of the classes into four kinds of land (EuroSAT ships none).
/// </summary>
internal static class EuroSat
{
    static readonly string[] Candidates = { "2750", "EuroSAT/2750", "eurosat/2750", "EuroSAT_RGB", "eurosat/EuroSAT_RGB", "EuroSAT", "" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "AnnualCrop", "SeaLake");

    /// <summary>"HerbaceousVegetation" → "Herbaceous Vegetation".</summary>
    public static string Words(string camel) =>
        string.Concat(camel.Select((c, i) => i > 0 && char.IsUpper(c) && char.IsLower(camel[i - 1]) ? " " + c : c.ToString()));

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("EuroSAT not found: expected 2750/AnnualCrop/ … 2750/SeaLake/ " +
            "(unpack EuroSAT.zip here)", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Get("eurosat");
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        var entries = new List<ImageEntry>();
        foreach (var folder in BenchmarkFiles.Folders(dir))
        {
            int leaf = BenchmarkFiles.Leaf(keys, hierarchy, Words(Path.GetFileName(folder)), folder);
            entries.AddRange(BenchmarkFiles.ImagesIn(folder).Select(f => new ImageEntry(f, leaf)));
        }
        var all = BenchmarkFiles.Build("eurosat", hierarchy, entries, dir);
        return BenchmarkFiles.CarveAll("eurosat", all, options, dir);
    }
}
