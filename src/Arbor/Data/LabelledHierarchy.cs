using Arbor.Hierarchy;

namespace Arbor.Data;

/// <summary>
/// The hierarchy of a dataset whose files carry leaf ids of a built-in hierarchy (Fashion-MNIST, CIFAR-100). A hierarchy
/// given instead may regroup the classes into other coarse levels, but its leaves must be the dataset's classes, in the
/// dataset's label order: a leaf id in the files means the built-in hierarchy's leaf of that id. Anything else would
/// silently mislabel every image (CIFAR-100's tree on Fashion-MNIST reads label 3, "dress", as "bed"), so it is refused.
/// </summary>
internal static class LabelledHierarchy
{
    /// <summary><paramref name="given"/> when its leaves match <paramref name="builtIn"/>'s, the built-in one when none is given.</summary>
    public static ClassHierarchy Resolve(ClassHierarchy? given, ClassHierarchy builtIn, string dataset)
    {
        if (given is null) return builtIn;
        if (given.LeafCount != builtIn.LeafCount)
            throw new ArborException($"hierarchy '{given.Name}' does not fit {dataset}: it has {given.LeafCount} leaves, " +
                $"but {dataset} labels images with {builtIn.LeafCount} classes ({Sample(builtIn)})");
        var leaves = given.NodesAt(given.Depth);
        var expected = builtIn.NodesAt(builtIn.Depth);
        for (int id = 0; id < expected.Count; id++)
            if (!string.Equals(leaves[id].Name.Trim(), expected[id].Name, StringComparison.OrdinalIgnoreCase))
                throw new ArborException($"hierarchy '{given.Name}' does not fit {dataset}: its leaf {id} is '{leaves[id].Name}', " +
                    $"but {dataset}'s label {id} is '{expected[id].Name}' (the leaves must be {dataset}'s classes in its label order: {Sample(builtIn)})");
        return given;
    }

    static string Sample(ClassHierarchy hierarchy)
    {
        var names = hierarchy.NodesAt(hierarchy.Depth).Select(n => n.Name).ToArray();
        return names.Length <= 10 ? string.Join(", ", names) : string.Join(", ", names.Take(8)) + $", … {names[^1]}";
    }
}
