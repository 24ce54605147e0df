using Arbor.Hierarchy;

namespace Arbor.Data;

/// <summary>How <see cref="DatasetCatalog.Open"/> finds and splits a dataset.</summary>
public sealed record DatasetOptions
{
    /// <summary>
    /// Folder holding the data, overriding the default place of a named dataset (Fashion-MNIST: <c>$ARBOR_FASHION_MNIST</c>,
    /// else /usr/share/datasets/fashion-mnist; CIFAR-100: <c>$ARBOR_DATA/cifar-100</c>; emoji: <c>$ARBOR_DATA/emoji</c>).
    /// </summary>
    public string? Root { get; init; }

    /// <summary>
    /// Hierarchy for the labels. Needed for manifests; optional for folder trees (checked against the folders); replaces
    /// the built-in hierarchy of Fashion-MNIST / CIFAR-100 (leaf ids must then follow the dataset's label order).
    /// </summary>
    public ClassHierarchy? Hierarchy { get; init; }

    /// <summary>Fraction of the training pool held out as validation (stratified by leaf, seeded). Default 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Fraction held out as test for data without its own test split (folder trees, manifests). Default 0.2.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Seed of the validation / test carving.</summary>
    public int Seed { get; init; }

    /// <summary>Emoji styles (domains) of the training pool; default: every fetched style except the test style.</summary>
    public IReadOnlyList<string>? TrainStyles { get; init; }

    /// <summary>Emoji style of the test split; default "facebook" (or the style named by "emoji-STYLE").</summary>
    public string? TestStyle { get; init; }

    /// <summary>
    /// When "fashion-mnist" is asked for and the full set is absent, use the embedded subset (and say so in
    /// <see cref="DatasetSplits.OpenedAs"/>). Default true; false makes the absence an error.
    /// </summary>
    public bool AllowEmbedded { get; init; } = true;

    /// <summary>
    /// Manifests may list images by absolute path or with <c>..</c> leading outside the manifest's folder. Default false:
    /// such rows are errors, so a manifest from elsewhere cannot make Arbor read arbitrary files.
    /// </summary>
    public bool AllowPathsOutsideManifest { get; init; }

    /// <summary>
    /// Point clouds: points kept per cloud (the first N of a stored cloud — HDF5 2,048, text 10,000 — or N sampled from a
    /// mesh or generated shape). Default <see cref="DefaultPoints"/>.
    /// </summary>
    public int? Points { get; init; }

    /// <summary>Points per cloud when not set: 1,024, as PointNet and DGCNN train on ModelNet40.</summary>
    public const int DefaultPoints = 1024;

    /// <summary>Arbor's data cache: <c>$ARBOR_DATA</c>, else ~/.cache/arbor.</summary>
    public static string DataHome =>
        Environment.GetEnvironmentVariable("ARBOR_DATA") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "arbor");
}

/// <summary>The three splits of a dataset and a line saying where they came from.</summary>
/// <param name="Train">Training images (the pool minus validation).</param>
/// <param name="Validation">Held out from the training pool by seed and fraction (or the dataset's own).</param>
/// <param name="Test">The dataset's test split (never used for validation).</param>
/// <param name="Description">For people: the source, counts, and e.g. that the embedded subset is used.</param>
public sealed record DatasetSplits(ImageDataset Train, ImageDataset Validation, ImageDataset Test, string Description)
{
    /// <summary>The split of that name: train, validation (val), test.</summary>
    public ImageDataset Get(string split) => split.ToLowerInvariant() switch
    {
        "train" => Train,
        "validation" or "val" or "valid" => Validation,
        "test" => Test,
        _ => throw new ArborException($"unknown split '{split}'; use train, validation or test"),
    };

    /// <summary>The hierarchy shared by the splits.</summary>
    public ClassHierarchy Hierarchy => Train.Hierarchy;

    /// <summary>
    /// The dataset name that reopens these splits when it is not the one asked for: "fashion-mnist-embedded" when
    /// "fashion-mnist" was asked for and the full set was absent. Null when the data is what was asked for.
    /// </summary>
    /// <remarks>A run records this name, so its evaluation later reads the images it was trained and tested on.</remarks>
    public string? OpenedAs { get; init; }
}
