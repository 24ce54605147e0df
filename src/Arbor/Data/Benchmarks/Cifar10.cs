using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// CIFAR-10 (Krizhevsky 2009) in either download: the python version <c>cifar-10-batches-py/</c> (pickled
/// <c>data_batch_1..5</c>, <c>test_batch</c>, <c>batches.meta</c>) or the binary version <c>cifar-10-batches-bin/</c>
/// (<c>data_batch_1..5.bin</c>, <c>test_batch.bin</c>, records of one label byte and 3,072 pixel bytes). Hierarchy:
/// Arbor's animal / vehicle grouping; the python version's label names are checked against it.
/// </summary>
internal static class Cifar10
{
    const int Record = 1 + CifarPython.Pixels;

    public static string? Locate(string root) =>
        BenchmarkFiles.Locate(root, new[] { "", "cifar-10-batches-py", "cifar-10-python/cifar-10-batches-py" }, "data_batch_1", "test_batch", "batches.meta")
        ?? BenchmarkFiles.Locate(root, new[] { "", "cifar-10-batches-bin", "cifar-10-binary/cifar-10-batches-bin" }, "data_batch_1.bin", "test_batch.bin");

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("CIFAR-10 not found: expected cifar-10-batches-py/ (data_batch_1…5, test_batch, " +
            "batches.meta) or cifar-10-batches-bin/ (data_batch_1…5.bin, test_batch.bin)", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Get("cifar-10");
        bool python = File.Exists(Path.Combine(dir, "batches.meta"));
        if (python)
        {
            var meta = Path.Combine(dir, "batches.meta");
            CifarPython.CheckNames(CifarPython.Names(CifarPython.Dict(meta), "label_names", meta), hierarchy, hierarchy.Depth, meta);
        }
        InMemoryImageDataset Read(string name, string[] files)
        {
            var pixels = new List<byte[]>();
            var leaves = new List<int>();
            foreach (var file in files)
            {
                var path = Path.Combine(dir, python ? file : file + ".bin");
                var (p, l) = python ? ReadPython(path, hierarchy) : ReadBinary(path, hierarchy);
                pixels.Add(p);
                leaves.AddRange(l);
            }
            return new InMemoryImageDataset(name, hierarchy, pixels.SelectMany(p => p).ToArray(), 3, 32, 32, leaves.ToArray(), dir, Normalization.Cifar100);
        }
        var pool = Read("cifar-10 train", Enumerable.Range(1, 5).Select(i => $"data_batch_{i}").ToArray());
        var test = Read("cifar-10 test", new[] { "test_batch" });
        return BenchmarkFiles.WithCarvedValidation("cifar-10", pool, test, options, $"{dir} ({(python ? "python" : "binary")} version)");
    }

    static (byte[] Pixels, int[] Leaves) ReadPython(string path, ClassHierarchy hierarchy)
    {
        var dict = CifarPython.Dict(path);
        var data = CifarPython.Data(dict, path);
        int n = data.Length / CifarPython.Pixels;
        return (data, CifarPython.Labels(dict, "labels", n, hierarchy.LeafCount, path));
    }

    static (byte[] Pixels, int[] Leaves) ReadBinary(string path, ClassHierarchy hierarchy)
    {
        if (!File.Exists(path)) throw new DatasetException("CIFAR-10 batch not found", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % Record != 0)
            throw new DatasetException($"size {bytes.Length} bytes is not a positive multiple of the {Record}-byte record " +
                "(label, 3,072 pixels); truncated or not CIFAR-10 binary", path);
        int n = bytes.Length / Record;
        var pixels = new byte[n * CifarPython.Pixels];
        var leaves = new int[n];
        for (int i = 0; i < n; i++)
        {
            leaves[i] = bytes[i * Record];
            if (leaves[i] >= hierarchy.LeafCount)
                throw new DatasetException($"label {leaves[i]} is not in 0..{hierarchy.LeafCount - 1}", path, index: i);
            Buffer.BlockCopy(bytes, i * Record + 1, pixels, i * CifarPython.Pixels, CifarPython.Pixels);
        }
        return (pixels, leaves);
    }
}
