using Arbor.Hierarchy;
using Arbor.IO;

namespace Arbor.Data;

/// <summary>
/// A manifest: a CSV file of <c>path,leaf</c> rows, optionally a third column <c>split</c> (train, val/validation, test) and
/// an optional header row starting with "path". Paths are relative to the manifest's folder; leaves are leaf names of the
/// hierarchy given in <see cref="DatasetOptions.Hierarchy"/>. Without a split column the test split is carved by
/// <see cref="DatasetOptions.TestFraction"/>; without validation rows validation is carved from train.
/// Policy (docs/input-policies.md): the file is strict UTF-8; a path that is absolute or climbs out of the manifest's
/// folder (<c>..</c>) is refused unless <see cref="DatasetOptions.AllowPathsOutsideManifest"/>; the same image listed
/// twice — within a split or across splits (train/test overlap) — is an error. Errors name the manifest line: a missing
/// image, a leaf not in the hierarchy, a malformed row, a duplicate, a leaf with no training image.
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
        var firstSeen = new Dictionary<string, (int Line, string Split)>(StringComparer.Ordinal);
        bool hasSplit = false;
        int lineNo = 0;
        var text = TextInput.ReadFile(csvPath, InputLimits.ManifestFileBytes, "manifest");
        using var reader = new StringReader(text);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
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
            if (TextInput.NameProblem(path) is { } pathProblem) throw new DatasetException($"image path {pathProblem}", csvPath, lineNo);
            var full = Path.GetFullPath(Path.Combine(folder, path));
            if (!options.AllowPathsOutsideManifest && OutsideProblem(path, full, folder) is { } outside)
                throw new DatasetException($"image path '{path}' {outside}; pass --allow-outside-paths to accept it", csvPath, lineNo);
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
            if (firstSeen.TryGetValue(full, out var first))
                throw new DatasetException(first.Split == split
                    ? $"image '{path}' is listed twice (first on line {first.Line})"
                    : $"image '{path}' is in both {first.Split} (line {first.Line}) and {split}: the splits must not overlap",
                    csvPath, lineNo);
            firstSeen[full] = (lineNo, split);
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

    // Why a path leaves the manifest's folder, or null when it stays inside.
    static string? OutsideProblem(string path, string full, string folder)
    {
        if (Path.IsPathRooted(path)) return "is absolute";
        var relative = Path.GetRelativePath(folder, full);
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            return "leads outside the manifest's folder";
        return null;
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
