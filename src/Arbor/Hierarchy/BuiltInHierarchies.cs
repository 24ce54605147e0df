namespace Arbor.Hierarchy;

/// <summary>Hierarchies Arbor ships, by name. Leaf ids follow each dataset's own label order.</summary>
public static partial class BuiltInHierarchies
{
    /// <summary>Names accepted by <see cref="Get"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "fashion-mnist", "cifar-100", "shapes", "modelnet40", "modelnet10" }.Concat(EmbeddedNames).ToArray();

    /// <summary>The built-in hierarchy of that name (case-insensitive), or null.</summary>
    public static ClassHierarchy? TryGet(string name) => name.ToLowerInvariant() switch
    {
        "fashion-mnist" or "fashionmnist" => FashionMnist(),
        "cifar-100" or "cifar100" => Cifar100(),
        "shapes" => Shapes(),
        "modelnet40" => ModelNet40(),
        "modelnet10" => ModelNet10(),
        var other when EmbeddedNames.Contains(other) => Embedded(other),
        _ => null,
    };

    /// <summary>The built-in hierarchy of that name; an unknown name lists the valid ones.</summary>
    public static ClassHierarchy Get(string name) => TryGet(name)
        ?? throw new HierarchyException($"unknown built-in hierarchy '{name}'; known: {string.Join(", ", Names)}");

    /// <summary>
    /// Fashion-MNIST, 2 / 6 / 10 (Seo &amp; Shin 2019): clothes / goods → tops, bottoms, dresses, outers, accessories, shoes
    /// → the ten classes, leaf ids in Fashion-MNIST's label order (0 T-shirt/top … 9 Ankle boot).
    /// </summary>
    public static ClassHierarchy FashionMnist()
    {
        string[][] paths =
        {
            new[] { "clothes", "tops", "T-shirt/top" },
            new[] { "clothes", "bottoms", "Trouser" },
            new[] { "clothes", "tops", "Pullover" },
            new[] { "clothes", "dresses", "Dress" },
            new[] { "clothes", "outers", "Coat" },
            new[] { "goods", "shoes", "Sandal" },
            new[] { "clothes", "tops", "Shirt" },
            new[] { "goods", "shoes", "Sneaker" },
            new[] { "goods", "accessories", "Bag" },
            new[] { "goods", "shoes", "Ankle boot" },
        };
        return ClassHierarchy.FromLeafPaths("fashion-mnist", new[] { "group", "type", "item" }, paths);
    }
}
