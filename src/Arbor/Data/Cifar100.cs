using Arbor.Hierarchy;

namespace Arbor.Data;

/// <summary>
/// CIFAR-100 in its binary format: <c>train.bin</c> (50,000 records) and <c>test.bin</c> (10,000), each record one coarse
/// label byte, one fine label byte and 3,072 pixel bytes (the red, green and blue 32×32 planes). Leaves are the fine labels
/// of the built-in 20 / 100 hierarchy; each record's coarse label is checked against the hierarchy.
/// </summary>
public static class Cifar100
{
    /// <summary>Bytes per record.</summary>
    public const int RecordSize = 2 + 3 * 32 * 32;

    /// <summary>Most records a file may hold (CIFAR-100 has 50,000; the limit keeps every offset in 32 bits).</summary>
    public const int MaxRecords = 500_000;

    /// <summary>True when <paramref name="folder"/> (or its cifar-100-binary subfolder) holds train.bin and test.bin.</summary>
    public static bool IsPresent(string folder) => Locate(folder) is not null;

    /// <summary>train.bin → training pool (validation carved by fraction and seed), test.bin → test.</summary>
    public static DatasetSplits Open(string folder, DatasetOptions options)
    {
        var dir = Locate(folder) ?? throw new DatasetException("CIFAR-100 files train.bin and test.bin not found", folder);
        var hierarchy = LabelledHierarchy.Resolve(options.Hierarchy, BuiltInHierarchies.Cifar100(), "cifar-100");
        var pool = Read(Path.Combine(dir, "train.bin"), hierarchy, "cifar-100 train");
        var test = Read(Path.Combine(dir, "test.bin"), hierarchy, "cifar-100 test");
        var (train, validation) = SplitCarver.CarveValidation(pool, options.ValidationFraction, options.Seed, "cifar-100");
        return new DatasetSplits(train, validation, test,
            $"cifar-100 from {dir}: {pool.Count} training-pool images ({train.Count} train, {validation.Count} validation), {test.Count} test");
    }

    /// <summary>Reads one binary file. The hierarchy needs two levels whose coarse ids follow CIFAR's coarse label order.</summary>
    public static InMemoryImageDataset Read(string path, ClassHierarchy hierarchy, string name)
    {
        if (!File.Exists(path)) throw new DatasetException("CIFAR-100 file not found", path);
        long size = new FileInfo(path).Length;
        if (size > (long)RecordSize * MaxRecords)
            throw new DatasetException($"{size:N0} bytes is more than {MaxRecords:N0} records; not a CIFAR-100 file", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
            throw new DatasetException($"size {bytes.Length} bytes is not a positive multiple of the {RecordSize}-byte record " +
                $"(coarse label, fine label, 3,072 pixels); truncated or not CIFAR-100 binary", path);
        int n = bytes.Length / RecordSize;
        const int pixelsPer = RecordSize - 2;
        var pixels = new byte[(long)n * pixelsPer];
        var leaves = new int[n];
        for (int i = 0; i < n; i++)
        {
            int offset = i * RecordSize;      // < 2^31 by MaxRecords
            int coarse = bytes[offset], fine = bytes[offset + 1];
            if (fine >= hierarchy.LeafCount)
                throw new DatasetException($"fine label {fine} is not a leaf of hierarchy '{hierarchy.Name}' ({hierarchy.LeafCount} leaves)", path, index: i);
            if (hierarchy.Depth >= 2 && hierarchy.AncestorAt(fine, 1) != coarse)
                throw new DatasetException($"coarse label {coarse} disagrees with the hierarchy, which puts fine class {fine} " +
                    $"('{hierarchy.Node(hierarchy.Depth, fine).Name}') under coarse class {hierarchy.AncestorAt(fine, 1)}", path, index: i);
            leaves[i] = fine;
            Buffer.BlockCopy(bytes, offset + 2, pixels, i * pixelsPer, pixelsPer);
        }
        return new InMemoryImageDataset(name, hierarchy, pixels, 3, 32, 32, leaves, path, Normalization.Cifar100);
    }

    static string? Locate(string folder)
    {
        foreach (var dir in new[] { folder, Path.Combine(folder, "cifar-100-binary") })
            if (File.Exists(Path.Combine(dir, "train.bin")) && File.Exists(Path.Combine(dir, "test.bin"))) return dir;
        return null;
    }
}
