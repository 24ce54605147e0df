namespace Arbor.Hierarchy;

public static partial class BuiltInHierarchies
{
    /// <summary>
    /// Benchmark hierarchies shipped as label-path text (<c>Hierarchy/BuiltIn/NAME.txt</c>, finest first, with a
    /// <c># levels:</c> line): taken from HGCLIP's <c>hgclip/data</c> files and the datasets' own label maps, or Arbor's
    /// own grouping where a dataset ships none; docs/datasets.md gives the source of each.
    /// </summary>
    static string[] EmbeddedNames => new[] { "cifar-10", "caltech-101", "food-101", "fruits-360", "oxford-iiit-pet", "ethec", "eurosat", "imagenet", "imagenet-314" };

    static ClassHierarchy Embedded(string name)
    {
        var resource = $"Arbor.Hierarchy.BuiltIn.{name}.txt";
        using var stream = typeof(BuiltInHierarchies).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the built-in hierarchy resource {resource} is missing from the assembly");
        using var reader = new StreamReader(stream);
        return LabelPathReader.ReadRows(reader.ReadToEnd(), name, $"built-in:{name}");
    }
}
