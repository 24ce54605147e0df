using System.Reflection;
using Arbor.Hierarchy;
using Arbor.IO;

namespace Arbor.Data;

/// <summary>
/// Fashion-MNIST (IDX files, raw or .gz) with the built-in 2 / 6 / 10 hierarchy. The full set (60,000 training and
/// 10,000 test images) is read from a folder, by default <see cref="Folder"/> (the Debian package
/// <c>dataset-fashion-mnist</c>'s, unless <c>$ARBOR_FASHION_MNIST</c> names another). Arbor also embeds the 10,000-image test set, so something runs on a fresh machine.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package puts the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Environment variable naming the full set's folder when it is not <see cref="DefaultFolder"/>.</summary>
    public const string FolderVariable = "ARBOR_FASHION_MNIST";

    /// <summary>Where "fashion-mnist" is looked for without a data root: <c>$ARBOR_FASHION_MNIST</c>, else <see cref="DefaultFolder"/>.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } folder ? folder : DefaultFolder;

    /// <summary>Images of the embedded subset that form the training pool (the rest is the test split).</summary>
    public const int EmbeddedTrainingPool = 8000;

    const string TrainImages = "train-images-idx3-ubyte", TrainLabels = "train-labels-idx1-ubyte";
    const string TestImages = "t10k-images-idx3-ubyte", TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>True when <paramref name="folder"/> holds all four IDX files (raw or .gz).</summary>
    public static bool IsPresent(string folder) =>
        new[] { TrainImages, TrainLabels, TestImages, TestLabels }.All(f => FindFile(folder, f) is not null);

    /// <summary>
    /// The full set from <paramref name="folder"/>: training files → training pool (validation carved from it by
    /// <see cref="DatasetOptions.ValidationFraction"/> and seed), t10k files → test.
    /// </summary>
    public static DatasetSplits Open(string folder, DatasetOptions options, string? description = null)
    {
        var hierarchy = LabelledHierarchy.Resolve(options.Hierarchy, BuiltInHierarchies.FashionMnist(), "fashion-mnist");
        string Need(string stem) => FindFile(folder, stem)
            ?? throw new DatasetException($"Fashion-MNIST file '{stem}' (or '{stem}.gz') not found", folder);
        var pool = ReadSplit(Need(TrainImages), Need(TrainLabels), hierarchy, "fashion-mnist train");
        var test = ReadSplit(Need(TestImages), Need(TestLabels), hierarchy, "fashion-mnist test");
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, "fashion-mnist");
        return new DatasetSplits(train, validation, test,
            description ?? $"fashion-mnist from {folder}: {pool.Count} training-pool images ({train.Count} train, {validation.Count} validation), {test.Count} test");
    }

    /// <summary>
    /// The embedded 10,000 images (Fashion-MNIST's test files): the first <see cref="EmbeddedTrainingPool"/> form the
    /// training pool (validation carved from it), the last 2,000 the test split.
    /// </summary>
    public static DatasetSplits OpenEmbedded(DatasetOptions options, string? why = null)
    {
        var hierarchy = LabelledHierarchy.Resolve(options.Hierarchy, BuiltInHierarchies.FashionMnist(), "fashion-mnist");
        var all = ReadEmbedded(hierarchy);
        var pool = all.Subset(Enumerable.Range(0, EmbeddedTrainingPool).ToArray(), "fashion-mnist (embedded) train");
        var test = all.Subset(Enumerable.Range(EmbeddedTrainingPool, all.Count - EmbeddedTrainingPool).ToArray(), "fashion-mnist (embedded) test");
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, "fashion-mnist (embedded)");
        var what = $"using the embedded 10,000-image Fashion-MNIST subset: {pool.Count} training-pool images ({train.Count} train, {validation.Count} validation), {test.Count} test";
        return new DatasetSplits(train, validation, test, why is null ? what : $"{why}; {what}");
    }

    /// <summary>All 10,000 embedded images, in file order.</summary>
    public static InMemoryImageDataset ReadEmbedded(ClassHierarchy? hierarchy = null)
    {
        var assembly = typeof(FashionMnist).Assembly;
        IdxFile Load(string stem)
        {
            var resource = $"Arbor.Data.Embedded.{stem}.gz";
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded resource {resource} missing from {assembly.GetName().Name}");
            return IdxFile.Read(stream, $"embedded:{stem}.gz", gzipped: true);
        }
        return FromIdx(Load(TestImages), Load(TestLabels), hierarchy ?? BuiltInHierarchies.FashionMnist(), "fashion-mnist (embedded)");
    }

    /// <summary>Reads one split from an images file and a labels file.</summary>
    public static InMemoryImageDataset ReadSplit(string imagesPath, string labelsPath, ClassHierarchy hierarchy, string name) =>
        FromIdx(IdxFile.Read(imagesPath), IdxFile.Read(labelsPath), hierarchy, name);

    static InMemoryImageDataset FromIdx(IdxFile images, IdxFile labels, ClassHierarchy hierarchy, string name)
    {
        if (images.Shape.Length != 3)
            throw new DatasetException($"expected images of rank 3 (count × height × width), found rank {images.Shape.Length}", images.Source);
        if (labels.Shape.Length != 1)
            throw new DatasetException($"expected labels of rank 1, found rank {labels.Shape.Length}", labels.Source);
        if (images.Shape[0] != labels.Shape[0])
            throw new DatasetException($"{images.Shape[0]} images in {images.Source} but {labels.Shape[0]} labels", labels.Source);
        var leaves = new int[labels.Shape[0]];
        for (int i = 0; i < leaves.Length; i++)
        {
            leaves[i] = labels.Data[i];
            if (leaves[i] >= hierarchy.LeafCount)
                throw new DatasetException($"label {leaves[i]} is not a leaf of hierarchy '{hierarchy.Name}' ({hierarchy.LeafCount} leaves)",
                    labels.Source, index: i);
        }
        return new InMemoryImageDataset(name, hierarchy, images.Data, 1, images.Shape[1], images.Shape[2], leaves, images.Source,
            Normalization.FashionMnist);
    }

    static string? FindFile(string folder, string stem)
    {
        foreach (var name in new[] { stem, stem + ".gz", stem.Replace("-idx", ".idx"), stem.Replace("-idx", ".idx") + ".gz" })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
