using Arbor.Data;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Training;

namespace Arbor;

/// <summary>
/// A dataset as an object: where the images and labels come from, with the hierarchy and validation carve to use. Make one
/// with a factory (<see cref="FashionMnist"/>, <see cref="Cifar100"/>, <see cref="Emoji"/>, <see cref="ImageFolder"/>,
/// <see cref="Manifest"/>), pass it to <see cref="TrainingOptions.Dataset"/> or <see cref="HierarchicalClassifier.Evaluate"/>,
/// or <see cref="Open"/> it to read the splits yourself. The run folder records it, so evaluation finds the same data again.
/// </summary>
public sealed record DatasetSource
{
    DatasetSource(string nameOrPath) => NameOrPath = nameOrPath;

    /// <summary>A built-in dataset name ("fashion-mnist", "cifar-100", "emoji-google", …) or a folder / manifest path.</summary>
    public string NameOrPath { get; }
    /// <summary>Folder holding a named dataset's files, instead of its standard place.</summary>
    public string? Root { get; init; }
    /// <summary>Hierarchy file (or built-in name) replacing the dataset's own; required for manifests.</summary>
    public string? HierarchyFile { get; init; }
    /// <summary>Fraction of the training pool held out for validation (stratified, seeded). Default 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Train on the first this many images (after the validation carve; training refuses more than there are); null: all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Fashion-MNIST (2 / 6 / 10 classes): the full set from <paramref name="folder"/> or /usr/share/datasets/fashion-mnist,
    /// else the 10,000-image subset embedded in the library.</summary>
    public static DatasetSource FashionMnist(string? folder = null) => new("fashion-mnist") { Root = folder };

    /// <summary>The 10,000-image Fashion-MNIST subset embedded in the library (needs no files).</summary>
    public static DatasetSource FashionMnistEmbedded() => new("fashion-mnist-embedded");

    /// <summary>CIFAR-100 binary files (train.bin, test.bin) from <paramref name="folder"/> or <c>$ARBOR_DATA/cifar-100</c>; 20 / 100 classes.</summary>
    public static DatasetSource Cifar100(string? folder = null) => new("cifar-100") { Root = folder };

    /// <summary>The emoji sets (group → subgroup → emoji); <paramref name="testStyle"/> (google, twitter, facebook) is the test domain.</summary>
    public static DatasetSource Emoji(string? testStyle = null, string? folder = null) =>
        new(testStyle is null ? "emoji" : $"emoji-{testStyle.ToLowerInvariant()}") { Root = folder };

    /// <summary>An image-folder tree <c>root/&lt;level1&gt;/…/&lt;leaf&gt;/*.png</c>; the folders are the hierarchy unless a file is given.</summary>
    public static DatasetSource ImageFolder(string root, string? hierarchyFile = null) =>
        new(Path.GetFullPath(root)) { HierarchyFile = hierarchyFile is null ? null : FullPathOrName(hierarchyFile) };

    /// <summary>A manifest .csv of <c>path,leaf[,split]</c> rows with the hierarchy its leaves belong to.</summary>
    public static DatasetSource Manifest(string csvFile, string hierarchyFile) =>
        new(Path.GetFullPath(csvFile)) { HierarchyFile = FullPathOrName(hierarchyFile) };

    /// <summary>The dataset a run folder's config names (what <c>arbor eval</c> uses by default).</summary>
    internal static DatasetSource Of(RunConfig config) => new(config.Dataset)
    {
        Root = config.DataRoot, HierarchyFile = config.Hierarchy, ValidationFraction = config.ValidationFraction,
        TrainLimit = config.TrainLimit,
    };

    /// <summary>Opens the train / validation / test splits (validation carved with <paramref name="seed"/>).</summary>
    public DatasetSplits Open(int seed = 0) => TrainRun.OpenData(ApplyTo(new RunConfig { Seed = seed }), allowStandIn: true);

    internal RunConfig ApplyTo(RunConfig config) => config with
    {
        Dataset = NameOrPath, DataRoot = Root, Hierarchy = HierarchyFile, ValidationFraction = ValidationFraction,
        TrainLimit = TrainLimit,
    };

    // A built-in hierarchy name stays a name; a file becomes absolute so the run folder's config works from anywhere.
    static string FullPathOrName(string hierarchy) =>
        BuiltInHierarchies.Names.Contains(hierarchy, StringComparer.OrdinalIgnoreCase) ? hierarchy : Path.GetFullPath(hierarchy);
}
