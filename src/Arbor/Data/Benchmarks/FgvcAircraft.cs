using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// FGVC-Aircraft 2013b (Maji et al. 2013) as downloaded: <c>fgvc-aircraft-2013b/data/</c> with <c>images/*.jpg</c>,
/// <c>manufacturers.txt</c>, <c>families.txt</c>, <c>variants.txt</c> and per split (train, val, test)
/// <c>images_{variant,family,manufacturer}_SPLIT.txt</c> (lines <c>1025794 Boeing 707-320</c>). The manufacturer →
/// family → variant hierarchy (30 / 70 / 100) is read from these files: every variant must have one family and every
/// family one manufacturer across all splits. Splits are the official train / val / test.
/// </summary>
internal static class FgvcAircraft
{
    static readonly string[] Candidates = { "", "data", "fgvc-aircraft-2013b/data", "fgvc-aircraft-2013b" };
    static readonly string[] Splits = { "train", "val", "test" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "images", "variants.txt");

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("FGVC-Aircraft not found: expected data/images/ and data/variants.txt " +
            "(unpack fgvc-aircraft-2013b.tar.gz here)", root);
        var labels = Splits.ToDictionary(s => s, s => ReadSplit(dir, s));
        var hierarchy = options.Hierarchy ?? BuildHierarchy(dir, labels);
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        FileImageDataset Dataset(string split)
        {
            var list = Path.Combine(dir, $"images_variant_{split}.txt");
            var entries = labels[split].Select(r => new ImageEntry(Path.Combine(dir, "images", r.Image + ".jpg"),
                BenchmarkFiles.Leaf(keys, hierarchy, r.Variant, list, r.Line))).ToList();
            return BenchmarkFiles.Build($"fgvc-aircraft {split}", hierarchy, entries, list);
        }
        var train = Dataset("train");
        var val = Dataset("val");
        var test = Dataset("test");
        return new DatasetSplits(train, val, test, $"fgvc-aircraft from {dir}: {train.Count} train, {val.Count} validation, {test.Count} test (official splits)");
    }

    sealed record Row(string Image, string Variant, string Family, string Manufacturer, int Line);

    static List<Row> ReadSplit(string dir, string split)
    {
        Dictionary<string, (string Label, int Line)> Read(string kind, out string file)
        {
            file = BenchmarkFiles.RequireFile(dir, $"images_{kind}_{split}.txt");
            var map = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
            foreach (var (text, line) in BenchmarkFiles.Lines(file))
            {
                int space = text.IndexOf(' ');
                if (space <= 0) throw new DatasetException($"expected 'image_id {kind}', found '{text}'", file, line);
                if (!map.TryAdd(text[..space], (text[(space + 1)..].Trim(), line)))
                    throw new DatasetException($"image {text[..space]} listed twice", file, line);
            }
            return map;
        }
        var variants = Read("variant", out var variantFile);
        var families = Read("family", out var familyFile);
        var makers = Read("manufacturer", out var makerFile);
        var rows = new List<Row>(variants.Count);
        foreach (var (image, (variant, line)) in variants)
        {
            if (!families.TryGetValue(image, out var family))
                throw new DatasetException($"image {image} (line {line} of {Path.GetFileName(variantFile)}) has no family", familyFile);
            if (!makers.TryGetValue(image, out var maker))
                throw new DatasetException($"image {image} (line {line} of {Path.GetFileName(variantFile)}) has no manufacturer", makerFile);
            rows.Add(new Row(image, variant, family.Label, maker.Label, line));
        }
        if (families.Count != variants.Count || makers.Count != variants.Count)
            throw new DatasetException($"{variants.Count} images with a variant, {families.Count} with a family, {makers.Count} with a manufacturer",
                familyFile);
        return rows;
    }

    // Leaves in variants.txt order; a variant's family and a family's manufacturer come from the image label files.
    static ClassHierarchy BuildHierarchy(string dir, Dictionary<string, List<Row>> labels)
    {
        var variantsFile = BenchmarkFiles.RequireFile(dir, "variants.txt");
        var familyOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var makerOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (split, rows) in labels)
            foreach (var r in rows)
            {
                var file = Path.Combine(dir, $"images_family_{split}.txt");
                if (familyOf.TryGetValue(r.Variant, out var f) && f != r.Family)
                    throw new DatasetException($"variant '{r.Variant}' has two families, '{f}' and '{r.Family}'", file, r.Line);
                familyOf[r.Variant] = r.Family;
                if (makerOf.TryGetValue(r.Family, out var m) && m != r.Manufacturer)
                    throw new DatasetException($"family '{r.Family}' has two manufacturers, '{m}' and '{r.Manufacturer}'",
                        Path.Combine(dir, $"images_manufacturer_{split}.txt"), r.Line);
                makerOf[r.Family] = r.Manufacturer;
            }
        var paths = new List<IReadOnlyList<string>>();
        var lines = new List<int>();
        foreach (var (variant, line) in BenchmarkFiles.Lines(variantsFile))
        {
            if (!familyOf.TryGetValue(variant, out var family))
                throw new DatasetException($"variant '{variant}' has no image in any split", variantsFile, line);
            paths.Add(new[] { makerOf[family], family, variant });
            lines.Add(line);
        }
        return ClassHierarchy.FromLeafPaths("fgvc-aircraft", new[] { "manufacturer", "family", "variant" }, paths, variantsFile, lines);
    }
}
