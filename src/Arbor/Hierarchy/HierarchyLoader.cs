using Arbor.IO;

namespace Arbor.Hierarchy;

/// <summary>
/// Loads a class hierarchy by built-in name (<see cref="BuiltInHierarchies"/>) or from a file: a JSON tree (<c>.json</c>),
/// label-path rows finest first (<c>.txt</c>), or a CSV with a header naming the levels coarse → fine (<c>.csv</c>).
/// Files with another extension are read as JSON when they start with '{', else as label-path rows.
/// Every problem is a <see cref="HierarchyException"/> naming the file, the line and the node.
/// </summary>
public static class HierarchyLoader
{
    /// <summary>A built-in hierarchy by name, else the file at <paramref name="nameOrPath"/>.</summary>
    public static ClassHierarchy Load(string nameOrPath)
    {
        if (BuiltInHierarchies.TryGet(nameOrPath) is { } builtIn) return builtIn;
        if (Directory.Exists(nameOrPath))
            throw new HierarchyException("is a folder; expected a hierarchy file (.json, .txt or .csv)", nameOrPath);
        if (!File.Exists(nameOrPath))
            throw new HierarchyException(
                $"no such file, and not a built-in hierarchy (built-ins: {string.Join(", ", BuiltInHierarchies.Names)})", nameOrPath);
        return LoadFile(nameOrPath);
    }

    /// <summary>Reads a hierarchy file; the format follows the extension (or the content when the extension is unknown).</summary>
    public static ClassHierarchy LoadFile(string path)
    {
        var text = ReadText(path);
        var name = Path.GetFileNameWithoutExtension(path);
        var hierarchy = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => JsonTreeReader.Read(text, name, path),
            ".csv" => LabelPathReader.ReadCsv(text, name, path),
            ".txt" => LabelPathReader.ReadRows(text, name, path),
            _ when text.TrimStart().StartsWith('{') => JsonTreeReader.Read(text, name, path),
            _ => LabelPathReader.ReadRows(text, name, path),
        };
        // One finest class leaves nothing to tell apart; such a file is a mistake (a stray line, the wrong file), and
        // training on it would report a meaningless 100 %.
        if (hierarchy.LeafCount < 2)
            throw new HierarchyException("names a single class at its finest level; a hierarchy needs two classes or more to classify",
                path, node: hierarchy.Nodes[^1].Name);
        return hierarchy;
    }

    // Strict UTF-8 (a BOM is allowed), no control characters, at most InputLimits.HierarchyFileBytes.
    static string ReadText(string path)
    {
        string text;
        try
        {
            text = TextInput.ReadFile(path, InputLimits.HierarchyFileBytes, "hierarchy file");
        }
        catch (ArborException e) when (e is not HierarchyException)
        {
            throw new HierarchyException(e.Message[(path.Length + 2)..], path);
        }
        catch (IOException e)
        {
            throw new HierarchyException($"cannot read: {e.Message}", path);
        }
        if (string.IsNullOrWhiteSpace(text)) throw new HierarchyException("empty file: no classes", path);
        return text;
    }
}
