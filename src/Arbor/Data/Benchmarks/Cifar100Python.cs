using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// CIFAR-100's python version <c>cifar-100-python/</c>: pickled <c>train</c> (50,000) and <c>test</c> (10,000) with
/// <c>fine_labels</c> and <c>coarse_labels</c>, and <c>meta</c> with both name lists. Hierarchy: the built-in CIFAR-100
/// superclass → class tree; the file's names and every image's coarse label are checked against it.
/// </summary>
internal static class Cifar100Python
{
    public static string? Locate(string root) =>
        BenchmarkFiles.Locate(root, new[] { "", "cifar-100-python" }, "train", "test", "meta");

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("CIFAR-100 python version not found: expected cifar-100-python/{train,test,meta} " +
            "(unpack cifar-100-python.tar.gz here)", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Cifar100();
        var metaPath = Path.Combine(dir, "meta");
        var meta = CifarPython.Dict(metaPath);
        CifarPython.CheckNames(CifarPython.Names(meta, "fine_label_names", metaPath), hierarchy, hierarchy.Depth, metaPath);
        if (hierarchy.Depth == 2)
            CifarPython.CheckNames(CifarPython.Names(meta, "coarse_label_names", metaPath), hierarchy, 1, metaPath);
        InMemoryImageDataset Read(string split)
        {
            var path = Path.Combine(dir, split);
            var dict = CifarPython.Dict(path);
            var data = CifarPython.Data(dict, path);
            int n = data.Length / CifarPython.Pixels;
            var fine = CifarPython.Labels(dict, "fine_labels", n, hierarchy.LeafCount, path);
            var coarse = CifarPython.Labels(dict, "coarse_labels", n, hierarchy.ClassesAt(1), path);
            for (int i = 0; i < n; i++)
                if (hierarchy.AncestorAt(fine[i], 1) != coarse[i])
                    throw new DatasetException($"coarse label {coarse[i]} disagrees with the hierarchy, which puts fine class {fine[i]} " +
                        $"('{hierarchy.Node(hierarchy.Depth, fine[i]).Name}') under {hierarchy.AncestorAt(fine[i], 1)}", path, index: i);
            return new InMemoryImageDataset($"cifar-100 {split}", hierarchy, data, 3, 32, 32, fine, path, Normalization.Cifar100);
        }
        return BenchmarkFiles.WithCarvedValidation("cifar-100", Read("train"), Read("test"), options, $"{dir} (python version)");
    }
}
