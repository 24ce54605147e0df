namespace Arbor.Hierarchy;

/// <summary>One class of the taxonomy at one level.</summary>
/// <param name="Name">Class name as shown to people and used in prompts.</param>
/// <param name="Level">1-based level; 1 is the coarsest.</param>
/// <param name="Index">Global node index: all nodes of level 1, then level 2, …</param>
/// <param name="LocalIndex">Index among the nodes of its level (the class id used by that level's logits).</param>
/// <param name="Parent">Global index of the parent, or -1 at level 1.</param>
public sealed record HierarchyNode(string Name, int Level, int Index, int LocalIndex, int Parent)
{
    /// <summary>Global indices of the children, in order.</summary>
    public IReadOnlyList<int> Children { get; internal set; } = Array.Empty<int>();
}
