using Arbor.IO;

namespace Arbor.Hierarchy;

public sealed partial class ClassHierarchy
{
    /// <summary>
    /// Builds a hierarchy from root-to-leaf paths (coarse → fine), one per leaf, in leaf-id order. Coarser nodes are
    /// numbered in order of first appearance. <paramref name="lines"/> (optional) gives the source line of each path for
    /// error messages. A path whose length differs from the level count, a node reached from two parents, and a duplicate
    /// leaf are errors naming the file, line and node. Names are unique per level, not per path: a fine class may share
    /// its coarse parent's name (Food-101's "pizza" under "pizza") — nodes are identified by level and name.
    /// </summary>
    public static ClassHierarchy FromLeafPaths(string name, IReadOnlyList<string> levelNames,
        IReadOnlyList<IReadOnlyList<string>> paths, string? source = null, IReadOnlyList<int>? lines = null)
    {
        int depth = levelNames.Count;
        if (depth == 0) throw new HierarchyException("a hierarchy needs at least one level", source);
        if (depth > InputLimits.HierarchyLevels)
            throw new HierarchyException($"{depth} levels; at most {InputLimits.HierarchyLevels} are supported", source);
        if (paths.Count == 0) throw new HierarchyException("no classes: the hierarchy has no leaves", source);
        var names = Enumerable.Range(0, depth).Select(_ => new List<string>()).ToArray();
        var parents = Enumerable.Range(0, depth).Select(_ => new List<int>()).ToArray();
        var index = Enumerable.Range(0, depth).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        var trimmed = new string[depth];
        for (int r = 0; r < paths.Count; r++)
        {
            var path = paths[r];
            int? line = lines is null ? null : lines[r];
            if (path.Count != depth)
                throw new HierarchyException(
                    $"unbalanced tree: path has {path.Count} levels, expected {depth} ({string.Join(" > ", path)})",
                    source, line, path.Count > 0 ? path[^1] : null);
            for (int l = 0; l < depth; l++) trimmed[l] = path[l].Trim();
            int parent = -1;
            for (int l = 0; l < depth; l++)
            {
                var node = trimmed[l];
                if (node.Length == 0) throw new HierarchyException($"empty class name at level {l + 1}", source, line);
                if (index[l].TryGetValue(node, out int existing))
                {
                    if (l == depth - 1) throw new HierarchyException("duplicate leaf", source, line, node);
                    if (l > 0 && parents[l][existing] != parent)
                        throw new HierarchyException(
                            $"node has two parents at level {l + 1}: '{names[l - 1][parents[l][existing]]}' and '{names[l - 1][parent]}'",
                            source, line, node);
                    parent = existing;
                }
                else
                {
                    int id = names[l].Count;
                    names[l].Add(node);
                    if (l > 0) parents[l].Add(parent);
                    index[l][node] = id;
                    parent = id;
                }
            }
        }
        return new ClassHierarchy(name, levelNames, names, parents, source);
    }
}
