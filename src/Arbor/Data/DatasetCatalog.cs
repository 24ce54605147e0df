namespace Arbor.Data;

/// <summary>
/// Opens a dataset by name or path:
/// <list type="bullet">
/// <item>"fashion-mnist": the full set (from <see cref="DatasetOptions.Root"/>, else <c>$ARBOR_FASHION_MNIST</c>, else
/// /usr/share/datasets/fashion-mnist);
/// when absent and <see cref="DatasetOptions.AllowEmbedded"/>, the embedded 10,000-image subset, and the description and
/// <see cref="DatasetSplits.OpenedAs"/> say so.</item>
/// <item>"fashion-mnist-embedded": always the embedded subset.</item>
/// <item>"cifar-100": train.bin / test.bin from <c>$ARBOR_DATA/cifar-100</c> or Root.</item>
/// <item>"emoji", "emoji-google", "emoji-twitter", "emoji-facebook": the emoji sets (fetch with scripts/fetch-emoji.sh);
/// the suffix names the test style, the other fetched styles form the training pool.</item>
/// <item>a benchmark of the HGCLIP paper by name (<see cref="Benchmarks.BenchmarkCatalog"/>: food-101, caltech-101, …),
/// read from Root (its own folder or a data root holding it) or <c>$ARBOR_DATA/NAME</c>.</item>
/// <item>a folder: IDX files → Fashion-MNIST layout; train.bin/test.bin → CIFAR-100; emoji-datasource-* → emoji; otherwise
/// an image-folder tree root/&lt;level1&gt;/…/&lt;leaf&gt;/*.png.</item>
/// <item>"shapes": the generated point-cloud shape set; "modelnet40", "modelnet10": ModelNet point clouds (HDF5, resampled
/// text or OFF meshes) from Root or <c>$ARBOR_DATA/NAME</c>; a folder in one of those layouts (<see cref="Points.ModelNet"/>).</item>
/// <item>a .csv file: a manifest of <c>path,leaf[,split]</c> rows (needs <see cref="DatasetOptions.Hierarchy"/>).</item>
/// </list>
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Names <see cref="Open"/> knows besides paths.</summary>
    public static IReadOnlyList<string> Names { get; } =
        new[] { "fashion-mnist", EmbeddedFashionMnist, "cifar-100", "emoji", "emoji-google", "emoji-twitter", "emoji-facebook" }
            .Concat(Points.PointDatasets.Names).Concat(Benchmarks.BenchmarkCatalog.All.Select(b => b.Name)).ToArray();

    /// <summary>Opens the dataset; bad or missing files raise an <see cref="ArborException"/> naming them.</summary>
    public static DatasetSplits Open(string nameOrPath, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        switch (nameOrPath.ToLowerInvariant())
        {
            case "fashion-mnist" or "fashionmnist":
                return OpenFashionMnist(options, FashionMnist.Folder);
            case EmbeddedFashionMnist:
                return FashionMnist.OpenEmbedded(options);
            case "cifar-100" or "cifar100":
            {
                var folder = options.Root ?? Path.Combine(DatasetOptions.DataHome, "cifar-100");
                if (!Cifar100.IsPresent(folder))
                    throw new DatasetException("CIFAR-100 binary files (train.bin, test.bin) not found; download cifar-100-binary.tar.gz " +
                        "and unpack it there, or pass the folder as Root", folder);
                return Cifar100.Open(folder, options);
            }
            case "emoji":
                return EmojiDatasets.Open(options.Root ?? EmojiDatasets.DefaultFolder, options);
            case "emoji-google" or "emoji-twitter" or "emoji-facebook":
                return EmojiDatasets.Open(options.Root ?? EmojiDatasets.DefaultFolder,
                    options with { TestStyle = options.TestStyle ?? nameOrPath[(nameOrPath.IndexOf('-') + 1)..].ToLowerInvariant() });
        }

        if (Points.PointDatasets.TryOpen(nameOrPath, options) is { } clouds) return clouds;
        if (Benchmarks.BenchmarkCatalog.Find(nameOrPath) is { } benchmark)
            return benchmark.Open(options.Root ?? Path.Combine(DatasetOptions.DataHome, benchmark.Name), options);

        if (File.Exists(nameOrPath))
        {
            if (nameOrPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return ManifestDataset.Open(nameOrPath, options);
            throw new DatasetException("not a dataset: expected a folder or a manifest .csv", nameOrPath);
        }
        if (Directory.Exists(nameOrPath))
        {
            if (FashionMnist.IsPresent(nameOrPath)) return FashionMnist.Open(nameOrPath, options);
            if (Cifar100.IsPresent(nameOrPath)) return Cifar100.Open(nameOrPath, options);
            if (EmojiDatasets.IsPresent(nameOrPath)) return EmojiDatasets.Open(nameOrPath, options);
            if (Points.ModelNet.Detect(nameOrPath) is not null) return Points.ModelNet.Open(nameOrPath, options, Points.ModelNetVariant.Auto);
            return ImageFolderDataset.Open(nameOrPath, options);
        }
        throw new ArborException($"unknown dataset '{nameOrPath}': not a folder or file, and not one of {string.Join(", ", Names)}");
    }

    /// <summary>Full Fashion-MNIST from Root or <paramref name="defaultFolder"/>; the embedded subset when neither has it.</summary>
    internal static DatasetSplits OpenFashionMnist(DatasetOptions options, string defaultFolder)
    {
        var folder = options.Root ?? defaultFolder;
        if (FashionMnist.IsPresent(folder)) return FashionMnist.Open(folder, options);
        if (options.Root is not null || !options.AllowEmbedded)
            throw new DatasetException("Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], …) not found" + (options.Root is null
                ? " (apt-get install dataset-fashion-mnist puts them there; $ARBOR_FASHION_MNIST or --data-root names another folder)"
                : ""), folder);
        return FashionMnist.OpenEmbedded(options, $"full Fashion-MNIST not found at {folder}") with { OpenedAs = EmbeddedFashionMnist };
    }

    /// <summary>The name of the embedded Fashion-MNIST subset, which stands in for "fashion-mnist" when the full set is absent.</summary>
    public const string EmbeddedFashionMnist = "fashion-mnist-embedded";

    /// <summary>
    /// Whether <paramref name="opened"/> is what <see cref="Open"/> gives in place of <paramref name="asked"/> when the
    /// asked-for data is absent (see <see cref="DatasetSplits.OpenedAs"/>).
    /// </summary>
    public static bool StandsIn(string opened, string asked) =>
        opened.Equals(EmbeddedFashionMnist, StringComparison.OrdinalIgnoreCase)
        && asked.Trim().ToLowerInvariant() is "fashion-mnist" or "fashionmnist";
}
