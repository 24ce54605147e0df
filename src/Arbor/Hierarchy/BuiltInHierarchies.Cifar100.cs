namespace Arbor.Hierarchy;

public static partial class BuiltInHierarchies
{
    // CIFAR-100's fine label names in its fine label order (alphabetical), as in the dataset's meta file.
    static readonly string[] Cifar100Fine =
    {
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    };

    // The 20 superclasses in CIFAR-100's coarse label order, each with its five classes (Krizhevsky 2009, table).
    static readonly (string Coarse, string[] Fine)[] Cifar100Superclasses =
    {
        ("aquatic_mammals", new[] { "beaver", "dolphin", "otter", "seal", "whale" }),
        ("fish", new[] { "aquarium_fish", "flatfish", "ray", "shark", "trout" }),
        ("flowers", new[] { "orchid", "poppy", "rose", "sunflower", "tulip" }),
        ("food_containers", new[] { "bottle", "bowl", "can", "cup", "plate" }),
        ("fruit_and_vegetables", new[] { "apple", "mushroom", "orange", "pear", "sweet_pepper" }),
        ("household_electrical_devices", new[] { "clock", "keyboard", "lamp", "telephone", "television" }),
        ("household_furniture", new[] { "bed", "chair", "couch", "table", "wardrobe" }),
        ("insects", new[] { "bee", "beetle", "butterfly", "caterpillar", "cockroach" }),
        ("large_carnivores", new[] { "bear", "leopard", "lion", "tiger", "wolf" }),
        ("large_man-made_outdoor_things", new[] { "bridge", "castle", "house", "road", "skyscraper" }),
        ("large_natural_outdoor_scenes", new[] { "cloud", "forest", "mountain", "plain", "sea" }),
        ("large_omnivores_and_herbivores", new[] { "camel", "cattle", "chimpanzee", "elephant", "kangaroo" }),
        ("medium_mammals", new[] { "fox", "porcupine", "possum", "raccoon", "skunk" }),
        ("non-insect_invertebrates", new[] { "crab", "lobster", "snail", "spider", "worm" }),
        ("people", new[] { "baby", "boy", "girl", "man", "woman" }),
        ("reptiles", new[] { "crocodile", "dinosaur", "lizard", "snake", "turtle" }),
        ("small_mammals", new[] { "hamster", "mouse", "rabbit", "shrew", "squirrel" }),
        ("trees", new[] { "maple_tree", "oak_tree", "palm_tree", "pine_tree", "willow_tree" }),
        ("vehicles_1", new[] { "bicycle", "bus", "motorcycle", "pickup_truck", "train" }),
        ("vehicles_2", new[] { "lawn_mower", "rocket", "streetcar", "tank", "tractor" }),
    };

    /// <summary>
    /// CIFAR-100: 20 superclasses / 100 classes (levels "superclass", "class"), fine ids in the dataset's fine label order
    /// (alphabetical: 0 apple … 99 worm) and coarse ids in its coarse label order (0 aquatic_mammals … 19 vehicles_2).
    /// Built with explicit parents because numbering superclasses by first appearance would not give the dataset's order.
    /// </summary>
    public static ClassHierarchy Cifar100()
    {
        var coarseOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < Cifar100Superclasses.Length; c++)
            foreach (var fine in Cifar100Superclasses[c].Fine) coarseOf.Add(fine, c);
        var coarseNames = Cifar100Superclasses.Select(s => s.Coarse).ToArray();
        var parents = Cifar100Fine.Select(f => coarseOf[f]).ToArray();
        return new ClassHierarchy("cifar-100", new[] { "superclass", "class" },
            new IReadOnlyList<string>[] { coarseNames, Cifar100Fine },
            new IReadOnlyList<int>[] { Array.Empty<int>(), parents });
    }
}
