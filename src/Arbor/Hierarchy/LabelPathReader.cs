namespace Arbor.Hierarchy;

/// <summary>
/// Reads label-path rows, one leaf per line, in leaf-id order. Two layouts:
/// <list type="bullet">
/// <item><c>.txt</c>: <c>leaf, parent, grandparent, …</c> (finest first, as HGCLIP's files); level names are
/// <c>level1..levelN</c> unless a comment line <c># levels: a, b, c</c> names them coarse → fine.</item>
/// <item><c>.csv</c>: a header naming the levels coarse → fine, then one row per leaf in the same column order.</item>
/// </list>
/// Fields may be quoted to hold commas. Blank lines and lines starting with '#' are skipped.
/// </summary>
internal static class LabelPathReader
{
    const string LevelsComment = "levels:";

    /// <summary>Rows <c>leaf, parent, …</c>, finest first.</summary>
    public static ClassHierarchy ReadRows(string text, string name, string file)
    {
        List<string>? levelNames = null;
        int levelsLine = 0;
        var paths = new List<IReadOnlyList<string>>();
        var lines = new List<int>();
        foreach (var (line, number) in Lines(text))
        {
            if (line.StartsWith('#'))
            {
                var comment = line[1..].Trim();
                if (!comment.StartsWith(LevelsComment, StringComparison.OrdinalIgnoreCase)) continue;
                if (levelNames is not null)
                    throw new HierarchyException($"second '# levels:' line (the first is on line {levelsLine})", file, number);
                levelNames = LevelNames(CsvFields.Split(comment[LevelsComment.Length..], file, number), file, number);
                levelsLine = number;
                continue;
            }
            var fields = CsvFields.Split(line, file, number);
            fields.Reverse();                       // finest first in the file, coarse → fine in the hierarchy
            paths.Add(fields);
            lines.Add(number);
        }
        if (paths.Count == 0) throw new HierarchyException("empty file: no label rows", file);
        int depth = levelNames?.Count ?? paths[0].Count;
        CheckRowLengths(paths, lines, depth, file, levelNames is null
            ? $"the first row (line {lines[0]}) has {depth}"
            : $"'# levels:' (line {levelsLine}) names {depth}");
        levelNames ??= Enumerable.Range(1, depth).Select(l => $"level{l}").ToList();
        return ClassHierarchy.FromLeafPaths(name, levelNames, paths, file, lines);
    }

    /// <summary>A header naming the levels coarse → fine, then rows coarse → fine.</summary>
    public static ClassHierarchy ReadCsv(string text, string name, string file)
    {
        List<string>? levelNames = null;
        var paths = new List<IReadOnlyList<string>>();
        var lines = new List<int>();
        int headerLine = 0;
        foreach (var (line, number) in Lines(text))
        {
            if (line.StartsWith('#')) continue;
            var fields = CsvFields.Split(line, file, number);
            if (levelNames is null)
            {
                levelNames = LevelNames(fields, file, number);
                headerLine = number;
                continue;
            }
            paths.Add(fields);
            lines.Add(number);
        }
        if (levelNames is null) throw new HierarchyException("empty file: no header and no rows", file);
        if (paths.Count == 0) throw new HierarchyException("no label rows after the header", file, headerLine);
        CheckRowLengths(paths, lines, levelNames.Count, file, $"the header (line {headerLine}) names {levelNames.Count}");
        return ClassHierarchy.FromLeafPaths(name, levelNames, paths, file, lines);
    }

    static IEnumerable<(string Line, int Number)> Lines(string text)
    {
        using var reader = new StringReader(text);
        int number = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            var trimmed = line.Trim();
            if (number == 1) trimmed = trimmed.TrimStart('\uFEFF');
            if (trimmed.Length > 0) yield return (trimmed, number);
        }
    }

    static List<string> LevelNames(List<string> names, string file, int line)
    {
        if (names.Count == 0 || names.All(n => n.Length == 0))
            throw new HierarchyException("no level names", file, line);
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i].Length == 0) throw new HierarchyException($"empty level name (column {i + 1})", file, line);
            int first = names.FindIndex(n => string.Equals(n, names[i], StringComparison.OrdinalIgnoreCase));
            if (first != i)
                throw new HierarchyException($"level name repeated (columns {first + 1} and {i + 1})", file, line, names[i]);
        }
        return names;
    }

    static void CheckRowLengths(List<IReadOnlyList<string>> paths, List<int> lines, int depth, string file, string reference)
    {
        for (int r = 0; r < paths.Count; r++)
        {
            var path = paths[r];
            if (path.Count == depth) continue;
            var leaf = path[^1];
            var problem = path.Count < depth ? "branch too short" : "branch too deep";
            throw new HierarchyException(
                $"unbalanced tree: {problem}: row has {path.Count} levels but {reference} levels ({string.Join(" > ", path)})",
                file, lines[r], leaf);
        }
    }
}
