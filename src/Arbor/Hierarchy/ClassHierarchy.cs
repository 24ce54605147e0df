using Arbor.IO;

namespace Arbor.Hierarchy;

/// <summary>
/// A balanced class tree with levels ordered coarse → fine (level 1 is the coarsest). Every leaf sits at the deepest
/// level; a sample is labelled by its leaf id (local index at the deepest level) and its label at every level follows.
/// Nodes have a global index: all of level 1, then level 2, … (the order HGCLIP uses for its graph).
/// </summary>
public sealed partial class ClassHierarchy
{
    readonly HierarchyNode[] _nodes;
    readonly int[] _levelOffsets;           // global index of the first node of each level, plus the total at the end
    readonly int[][] _leafPaths;            // [leaf][level-1] = local index at that level
    readonly Dictionary<string, int>[] _byName;

    /// <summary>Short name (e.g. "fashion-mnist") or the file it came from.</summary>
    public string Name { get; }

    /// <summary>Level names, coarse → fine.</summary>
    public IReadOnlyList<string> LevelNames { get; }

    /// <summary>Number of levels.</summary>
    public int Depth => LevelNames.Count;

    /// <summary>All nodes in global order.</summary>
    public IReadOnlyList<HierarchyNode> Nodes => _nodes;

    /// <summary>Number of leaves (classes at the deepest level).</summary>
    public int LeafCount => ClassesAt(Depth);

    /// <summary>
    /// Builds a hierarchy from the node names of every level (in class-id order) and, for every level below the first,
    /// each node's parent as a local index into the level above. Structure is validated; <paramref name="source"/> names
    /// the file in errors.
    /// </summary>
    public ClassHierarchy(string name, IReadOnlyList<string> levelNames, IReadOnlyList<IReadOnlyList<string>> namesPerLevel,
        IReadOnlyList<IReadOnlyList<int>> parentsPerLevel, string? source = null)
    {
        Name = name;
        if (levelNames.Count == 0) throw new HierarchyException("a hierarchy needs at least one level", source);
        if (levelNames.Count > InputLimits.HierarchyLevels)
            throw new HierarchyException($"{levelNames.Count} levels; at most {InputLimits.HierarchyLevels} are supported", source);
        foreach (var levelName in levelNames) CheckName(levelName, "level name", source);
        if (namesPerLevel.Count != levelNames.Count)
            throw new HierarchyException($"{levelNames.Count} level names but {namesPerLevel.Count} levels of nodes", source);
        if (parentsPerLevel.Count != levelNames.Count)
            throw new HierarchyException($"{levelNames.Count} level names but {parentsPerLevel.Count} levels of parents", source);
        LevelNames = levelNames.ToArray();

        _levelOffsets = new int[Depth + 1];
        for (int l = 0; l < Depth; l++)
        {
            if (namesPerLevel[l].Count == 0) throw new HierarchyException($"level {l + 1} ('{levelNames[l]}') is empty", source);
            _levelOffsets[l + 1] = _levelOffsets[l] + namesPerLevel[l].Count;
        }

        _nodes = new HierarchyNode[_levelOffsets[Depth]];
        _byName = new Dictionary<string, int>[Depth];
        var children = new List<int>[_nodes.Length];
        for (int l = 0; l < Depth; l++)
        {
            _byName[l] = new Dictionary<string, int>(StringComparer.Ordinal);
            var names = namesPerLevel[l];
            var parents = parentsPerLevel[l];
            if (l == 0 ? parents.Count != 0 && parents.Count != names.Count : parents.Count != names.Count)
                throw new HierarchyException($"level {l + 1} has {names.Count} nodes but {parents.Count} parents", source);
            for (int i = 0; i < names.Count; i++)
            {
                var nodeName = names[i];
                if (string.IsNullOrWhiteSpace(nodeName))
                    throw new HierarchyException($"empty class name at level {l + 1}, position {i}", source);
                CheckName(nodeName, $"class name at level {l + 1}", source);
                if (!_byName[l].TryAdd(nodeName, i))
                    throw new HierarchyException(l == Depth - 1
                        ? $"duplicate leaf at level {l + 1}" : $"name repeated at level {l + 1} (two nodes, or one node with two parents)",
                        source, node: nodeName);
                int parent = -1;
                if (l > 0)
                {
                    int p = parents[i];
                    if (p < 0 || p >= namesPerLevel[l - 1].Count)
                        throw new HierarchyException($"parent index {p} out of range at level {l}", source, node: nodeName);
                    parent = _levelOffsets[l - 1] + p;
                }
                int g = _levelOffsets[l] + i;
                _nodes[g] = new HierarchyNode(nodeName, l + 1, g, i, parent);
                children[g] = new List<int>();
                if (parent >= 0) children[parent].Add(g);
            }
        }
        for (int g = 0; g < _nodes.Length; g++)
        {
            if (_nodes[g].Level < Depth && children[g].Count == 0)
                throw new HierarchyException(
                    $"unbalanced tree: node at level {_nodes[g].Level} has no children, but every leaf must sit at level {Depth}",
                    source, node: _nodes[g].Name);
            _nodes[g].Children = children[g].ToArray();
        }

        _leafPaths = new int[LeafCount][];
        for (int leaf = 0; leaf < LeafCount; leaf++)
        {
            var path = new int[Depth];
            int g = _levelOffsets[Depth - 1] + leaf;
            for (int l = Depth - 1; l >= 0; l--)
            {
                path[l] = _nodes[g].LocalIndex;
                g = _nodes[g].Parent;
            }
            _leafPaths[leaf] = path;
        }
    }

    // Names end up in prompts, tables and JSON: they must be printable Unicode text of a sensible length.
    static void CheckName(string name, string what, string? source)
    {
        if (name.Length > InputLimits.NameLength)
            throw new HierarchyException($"{what} is {name.Length} characters long, over the {InputLimits.NameLength}-character limit",
                source, node: name[..40] + "…");
        if (TextInput.NameProblem(name) is { } problem)
            throw new HierarchyException($"{what} {problem}", source, node: Printable(name));
    }

    static string Printable(string name) =>
        string.Concat(name.Select(c => char.IsSurrogate(c) || char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    /// <summary>Number of classes at a 1-based level.</summary>
    public int ClassesAt(int level) => _levelOffsets[CheckLevel(level)] - _levelOffsets[level - 1];

    /// <summary>Global index of the first node of a 1-based level.</summary>
    public int LevelOffset(int level) => _levelOffsets[CheckLevel(level) - 1];

    /// <summary>Class counts per level, coarse → fine.</summary>
    public int[] ClassCounts => Enumerable.Range(1, Depth).Select(ClassesAt).ToArray();

    /// <summary>The nodes of a 1-based level, in class-id order.</summary>
    public IReadOnlyList<HierarchyNode> NodesAt(int level) =>
        new ArraySegment<HierarchyNode>(_nodes, LevelOffset(level), ClassesAt(level));

    /// <summary>The node with local index <paramref name="localIndex"/> at a 1-based level.</summary>
    public HierarchyNode Node(int level, int localIndex)
    {
        if ((uint)localIndex >= (uint)ClassesAt(level))
            throw new ArgumentOutOfRangeException(nameof(localIndex), $"level {level} has {ClassesAt(level)} classes, not {localIndex + 1}");
        return _nodes[LevelOffset(level) + localIndex];
    }

    /// <summary>Local ids at every level (coarse → fine) of a leaf's root-to-leaf path.</summary>
    public IReadOnlyList<int> PathOf(int leaf) => _leafPaths[CheckLeaf(leaf)];

    /// <summary>Local id at a 1-based level of a leaf's ancestor (the leaf itself at the deepest level).</summary>
    public int AncestorAt(int leaf, int level) => _leafPaths[CheckLeaf(leaf)][CheckLevel(level) - 1];

    /// <summary>For each level, a map leaf id → local id at that level: <c>LevelOfLeaf()[l-1][leaf]</c>.</summary>
    public int[][] LevelOfLeaf() =>
        Enumerable.Range(0, Depth).Select(l => _leafPaths.Select(p => p[l]).ToArray()).ToArray();

    /// <summary>Looks up a node by name at a 1-based level.</summary>
    public bool TryFind(int level, string name, out HierarchyNode node)
    {
        if (_byName[CheckLevel(level) - 1].TryGetValue(name, out int local))
        {
            node = Node(level, local);
            return true;
        }
        node = null!;
        return false;
    }

    /// <summary>Leaf id for a leaf name; throws with the list of close names when unknown.</summary>
    public int LeafId(string name)
    {
        if (TryFind(Depth, name, out var node)) return node.LocalIndex;
        throw new KeyNotFoundException($"unknown class '{name}' in hierarchy '{Name}' (it has {LeafCount} leaves, e.g. " +
            string.Join(", ", NodesAt(Depth).Take(5).Select(n => $"'{n.Name}'")) + ")");
    }

    /// <summary>
    /// Height of the lowest common ancestor of two leaves: 0 when they are the same leaf, 1 when they share a parent,
    /// …, Depth when they differ already at level 1 (their only common ancestor is the implicit root).
    /// </summary>
    public int LcaHeight(int leafA, int leafB)
    {
        var a = PathOf(leafA);
        var b = PathOf(leafB);
        for (int l = 0; l < Depth; l++)
            if (a[l] != b[l]) return Depth - l;
        return 0;
    }

    /// <summary>Tree distance between two leaves: the number of edges on the path between them (2 × LCA height).</summary>
    public int TreeDistance(int leafA, int leafB) => 2 * LcaHeight(leafA, leafB);

    /// <summary>Leaf ids under a node (global index); a leaf's descendants are itself.</summary>
    public IReadOnlyList<int> DescendantLeaves(int globalIndex)
    {
        var leaves = new List<int>();
        var stack = new Stack<int>();
        stack.Push(globalIndex);
        while (stack.Count > 0)
        {
            var n = _nodes[stack.Pop()];
            if (n.Level == Depth) leaves.Add(n.LocalIndex);
            else for (int c = n.Children.Count - 1; c >= 0; c--) stack.Push(n.Children[c]);
        }
        return leaves;
    }

    /// <summary>Global indices of all nodes under a node, excluding the node itself, in global order.</summary>
    public IReadOnlyList<int> Descendants(int globalIndex)
    {
        var result = new List<int>();
        var frontier = new List<int> { globalIndex };
        while (frontier.Count > 0)
        {
            frontier = frontier.SelectMany(g => _nodes[g].Children).ToList();
            result.AddRange(frontier);
        }
        return result;
    }

    int CheckLevel(int level) =>
        level >= 1 && level <= Depth ? level : throw new ArgumentOutOfRangeException(nameof(level), $"level {level} not in 1..{Depth}");

    int CheckLeaf(int leaf) =>
        (uint)leaf < (uint)LeafCount ? leaf : throw new ArgumentOutOfRangeException(nameof(leaf), $"leaf id {leaf} not in 0..{LeafCount - 1}");
}
