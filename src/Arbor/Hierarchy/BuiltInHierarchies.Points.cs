namespace Arbor.Hierarchy;

public static partial class BuiltInHierarchies
{
    /// <summary>
    /// The embedded shape set, 2 / 4 / 12 (kind → family → shape): curved solids without edges (sphere, ellipsoid, torus)
    /// or with circular rims (cylinder, cone, dome), and polyhedra that are prisms (cube, cuboid, triangular prism) or
    /// pointed (square pyramid, tetrahedron, octahedron). Leaf ids in the generator's order.
    /// </summary>
    public static ClassHierarchy Shapes() => ClassHierarchy.FromLeafPaths("shapes", new[] { "kind", "family", "shape" }, new[]
    {
        new[] { "curved", "smooth", "sphere" }, new[] { "curved", "smooth", "ellipsoid" }, new[] { "curved", "smooth", "torus" },
        new[] { "curved", "rimmed", "cylinder" }, new[] { "curved", "rimmed", "cone" }, new[] { "curved", "rimmed", "dome" },
        new[] { "polyhedral", "prism", "cube" }, new[] { "polyhedral", "prism", "cuboid" }, new[] { "polyhedral", "prism", "triangular-prism" },
        new[] { "polyhedral", "pointed", "square-pyramid" }, new[] { "polyhedral", "pointed", "tetrahedron" }, new[] { "polyhedral", "pointed", "octahedron" },
    });

    /// <summary>
    /// ModelNet40, 4 / 10 / 40 (domain → group → class), leaf ids in the order of ModelNet40's <c>shape_names.txt</c>
    /// (alphabetical). The grouping is Arbor's: the paper evaluating G-HMLC / A-HMLC on ModelNet40 does not publish its
    /// coarse labels. Groups follow what an object is for, which is also roughly how it is shaped; docs/points.md
    /// justifies each group.
    /// </summary>
    public static ClassHierarchy ModelNet40() => ModelNetTree("modelnet40", ModelNet40Classes);

    /// <summary>ModelNet10, 3 / 5 / 10: ModelNet40's tree restricted to ModelNet10's classes, leaf ids in its alphabetical order.</summary>
    public static ClassHierarchy ModelNet10() => ModelNetTree("modelnet10", ModelNet10Classes);

    /// <summary>ModelNet40's classes in label order.</summary>
    public static readonly string[] ModelNet40Classes =
    {
        "airplane", "bathtub", "bed", "bench", "bookshelf", "bottle", "bowl", "car", "chair", "cone", "cup", "curtain", "desk",
        "door", "dresser", "flower_pot", "glass_box", "guitar", "keyboard", "lamp", "laptop", "mantel", "monitor", "night_stand",
        "person", "piano", "plant", "radio", "range_hood", "sink", "sofa", "stairs", "stool", "table", "tent", "toilet",
        "tv_stand", "vase", "wardrobe", "xbox",
    };

    /// <summary>ModelNet10's classes in label order.</summary>
    public static readonly string[] ModelNet10Classes =
        { "bathtub", "bed", "chair", "desk", "dresser", "monitor", "night_stand", "sofa", "table", "toilet" };

    /// <summary>(domain, group) of every ModelNet40 class.</summary>
    static readonly Dictionary<string, (string Domain, string Group)> ModelNetGroups = new()
    {
        ["bed"] = ("furniture", "seating-and-beds"), ["bench"] = ("furniture", "seating-and-beds"), ["chair"] = ("furniture", "seating-and-beds"),
        ["sofa"] = ("furniture", "seating-and-beds"), ["stool"] = ("furniture", "seating-and-beds"),
        ["desk"] = ("furniture", "tables"), ["night_stand"] = ("furniture", "tables"), ["table"] = ("furniture", "tables"), ["tv_stand"] = ("furniture", "tables"),
        ["bookshelf"] = ("furniture", "storage"), ["dresser"] = ("furniture", "storage"), ["wardrobe"] = ("furniture", "storage"),
        ["curtain"] = ("fixtures", "room-parts"), ["door"] = ("fixtures", "room-parts"), ["mantel"] = ("fixtures", "room-parts"),
        ["range_hood"] = ("fixtures", "room-parts"), ["stairs"] = ("fixtures", "room-parts"),
        ["bathtub"] = ("fixtures", "sanitary"), ["sink"] = ("fixtures", "sanitary"), ["toilet"] = ("fixtures", "sanitary"),
        ["keyboard"] = ("objects", "electronics"), ["lamp"] = ("objects", "electronics"), ["laptop"] = ("objects", "electronics"),
        ["monitor"] = ("objects", "electronics"), ["radio"] = ("objects", "electronics"), ["xbox"] = ("objects", "electronics"),
        ["bottle"] = ("objects", "containers"), ["bowl"] = ("objects", "containers"), ["cup"] = ("objects", "containers"),
        ["flower_pot"] = ("objects", "containers"), ["glass_box"] = ("objects", "containers"), ["vase"] = ("objects", "containers"),
        ["guitar"] = ("objects", "instruments"), ["piano"] = ("objects", "instruments"),
        ["airplane"] = ("other", "vehicles"), ["car"] = ("other", "vehicles"),
        ["cone"] = ("other", "outdoor-and-living"), ["person"] = ("other", "outdoor-and-living"), ["plant"] = ("other", "outdoor-and-living"),
        ["tent"] = ("other", "outdoor-and-living"),
    };

    static ClassHierarchy ModelNetTree(string name, string[] classes) =>
        ClassHierarchy.FromLeafPaths(name, new[] { "domain", "group", "class" },
            classes.Select(c => (IReadOnlyList<string>)new[] { ModelNetGroups[c].Domain, ModelNetGroups[c].Group, c }).ToArray());
}
