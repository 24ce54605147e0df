namespace Arbor.Hierarchy;

/// <summary>
/// A hierarchy that is malformed: unbalanced, a node with two parents, a duplicate leaf, an empty level,
/// an unknown level name. The message names the file, the line (when known) and the node.
/// </summary>
public sealed class HierarchyException : ArborException
{
    public int? Line { get; }
    public string? Node { get; }

    public HierarchyException(string problem, string? file = null, int? line = null, string? node = null)
        : base(Compose(problem, file, line, node), file)
    {
        Line = line;
        Node = node;
    }

    static string Compose(string problem, string? file, int? line, string? node)
    {
        var where = file is null ? "" : line is null ? $"{file}: " : $"{file}:{line}: ";
        var what = node is null ? "" : $" (node '{node}')";
        return where + problem + what;
    }
}
