using Arbor.Hierarchy;

namespace Arbor.Data;

/// <summary>
/// A manifest: a CSV file of <c>path,leaf</c> rows, optionally a third column <c>split</c> (train, val/validation, test) and
/// an optional header row starting with "path". Paths are relative to the manifest's folder (or absolute); leaves are leaf
/// names of the hierarchy given in <see cref="DatasetOptions.Hierarchy"/>. Without a split column the test split is carved by
/// <see cref="DatasetOptions.TestFraction"/>; without validation rows validation is carved from train. Errors name the
/// manifest line: a missing image, a leaf not in the hierarchy, a malformed row, a leaf with no training image.
/// </summary>
public static class ManifestDataset
{
    public static DatasetSplits Open(string csvPath, DatasetOptions options)
    {
        csvPath = Path.GetFullPath(csvPath);
        var hierarchy = options.Hierarchy
            ?? throw new DatasetException("a manifest needs a hierarchy (a hierarchy file or built-in name)", csvPath);
        var folder = Path.GetDirectoryName(csvPath)!;
        var rows = new Dictionary<string, List<ImageEntry>> { ["train"] = new(), ["validation"] = new(), ["test"] = new() };
        bool hasSplit = false;
        int lineNo = 0;
        foreach (var line in File.ReadLines(csvPath))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#')) continue;
            var fields = SplitCsv(line, csvPath, lineNo);
            if (lineNo == 1 && fields[0].Trim().Equals("path", StringComparison.OrdinalIgnoreCase)) continue;
            if (fields.Count is < 2 or > 3)
                throw new DatasetException($"expected 'path,leaf' or 'path,leaf,split', found {fields.Count} fields", csvPath, lineNo);
            var path = fields[0].Trim();
            var leafName = fields[1].Trim();
            if (path.Length == 0) throw new DatasetException("empty image path", csvPath, lineNo);
            var full = Path.GetFullPath(Path.Combine(folder, path));
            if (!File.Exists(full)) throw new DatasetException($"image not found: {full}", csvPath, lineNo);
            if (!hierarchy.TryFind(hierarchy.Depth, leafName, out var leaf))
                throw new DatasetException($"class '{leafName}' is not a leaf of hierarchy '{hierarchy.Name}'", csvPath, lineNo);
            string split = "train";
            if (fields.Count == 3)
            {
                hasSplit = true;
                split = fields[2].Trim().ToLowerInvariant() switch
                {
                    "train" => "train",
                    "val" or "valid" or "validation" => "validation",
                    "test" => "test",
                    var other => throw new DatasetException($"unknown split '{other}' (use train, val or test)", csvPath, lineNo),
                };
            }
            rows[split].Add(new ImageEntry(full, leaf.LocalIndex));
        }
        if (rows["train"].Count == 0) throw new DatasetException("no training rows", csvPath);
        var name = Path.GetFileNameWithoutExtension(csvPath);
        var pool = new FileImageDataset($"{name} train", hierarchy, rows["train"]);
        var counts = pool.CountPerLeaf();
        int empty = Array.IndexOf(counts, 0);
        if (empty >= 0)
            throw new DatasetException($"empty class: leaf '{hierarchy.Node(hierarchy.Depth, empty).Name}' has no training image", csvPath);

        ImageDataset train = pool, test;
        if (hasSplit) test = new FileImageDataset($"{name} test", hierarchy, rows["test"]);
        else
        {
            var (keep, held) = SplitCarver.Carve(pool.Leaves, options.TestFraction, options.Seed ^ 0x7E57);
            test = pool.Subset(held, $"{name} test");
            train = pool.Subset(keep, $"{name} pool");
        }
        ImageDataset validation;
        if (rows["validation"].Count > 0) validation = new FileImageDataset($"{name} validation", hierarchy, rows["validation"]);
        else (train, validation) = SplitCarver.CarveValidation(train, options.ValidationFraction, options.Seed, name);
        return new DatasetSplits(train, validation, test,
            $"manifest {csvPath}: {train.Count} train, {validation.Count} validation, {test.Count} test" +
            (hasSplit ? "" : $" (test carved by seed {options.Seed})"));
    }

    /// <summary>Splits one CSV line; fields may be double-quoted with "" for a quote.</summary>
    static List<string> SplitCsv(string line, string file, int lineNo)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(ch);
        }
        if (quoted) throw new DatasetException("unterminated quote", file, lineNo);
        fields.Add(current.ToString());
        return fields;
    }
}
