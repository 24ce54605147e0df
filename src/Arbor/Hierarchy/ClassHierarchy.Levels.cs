namespace Arbor.Hierarchy;

public sealed partial class ClassHierarchy
{
    /// <summary>
    /// The 1-based level called <paramref name="levelName"/> (exact match first, then case-insensitive); an unknown name
    /// is a <see cref="HierarchyException"/> listing the level names.
    /// </summary>
    public int LevelIndex(string levelName)
    {
        for (int l = 0; l < Depth; l++)
            if (string.Equals(LevelNames[l], levelName, StringComparison.Ordinal)) return l + 1;
        for (int l = 0; l < Depth; l++)
            if (string.Equals(LevelNames[l], levelName, StringComparison.OrdinalIgnoreCase)) return l + 1;
        throw new HierarchyException(
            $"unknown level name '{levelName}' in hierarchy '{Name}' (levels: {string.Join(", ", LevelNames)})");
    }

    /// <summary>For each level, a map local id → local id of its parent at the level above; level 1 maps to -1.</summary>
    public int[][] ParentAtLevelAbove() =>
        Enumerable.Range(1, Depth).Select(level => NodesAt(level)
            .Select(n => n.Parent < 0 ? -1 : _nodes[n.Parent].LocalIndex).ToArray()).ToArray();

    /// <summary>
    /// The node's name for people: its plain name, or "name (level name)" when another level has a node of the same name
    /// (Food-101's dish "pizza" under the category "pizza" shows as "pizza (class)" beside "pizza (category)"). Prompts
    /// keep the plain <see cref="HierarchyNode.Name"/>.
    /// </summary>
    public string DisplayName(HierarchyNode node)
    {
        bool shared = false;
        for (int l = 0; l < Depth && !shared; l++)
            shared = l != node.Level - 1 && _byName[l].ContainsKey(node.Name);
        return shared ? $"{node.Name} ({LevelNames[node.Level - 1]})" : node.Name;
    }
}
