namespace Arbor.Data.Points;

/// <summary>
/// The point-cloud datasets <see cref="DatasetCatalog"/> opens: "shapes" (generated, nothing to download) and, found
/// under <see cref="DatasetOptions.Root"/> or <c>$ARBOR_DATA/NAME</c>, "modelnet40" / "modelnet10" in any of the three
/// layouts <see cref="ModelNet"/> reads; a folder in one of those layouts is recognised by its files.
/// </summary>
public static class PointDatasets
{
    /// <summary>Names besides paths.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "shapes", "modelnet40", "modelnet10" };

    /// <summary>True for a point-cloud dataset name or a folder in a ModelNet layout.</summary>
    public static bool Recognises(string nameOrPath) =>
        Names.Contains(nameOrPath.Trim().ToLowerInvariant()) || Directory.Exists(nameOrPath) && ModelNet.Detect(nameOrPath) is not null;

    /// <summary>The splits of a named point-cloud dataset, or null when the name is not one.</summary>
    public static DatasetSplits? TryOpen(string name, DatasetOptions options) => name.Trim().ToLowerInvariant() switch
    {
        "shapes" => ShapeSet.Open(options),
        "modelnet40" => ModelNet.Open(options.Root ?? Path.Combine(DatasetOptions.DataHome, "modelnet40"), options, ModelNetVariant.ModelNet40),
        "modelnet10" => ModelNet.Open(options.Root ?? Path.Combine(DatasetOptions.DataHome, "modelnet10"), options, ModelNetVariant.ModelNet10),
        _ => null,
    };
}
