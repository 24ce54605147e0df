using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// The Describable Textures Dataset (Cimpoi et al. 2014) as downloaded: <c>dtd/images/&lt;class&gt;/&lt;class&gt;_&lt;n&gt;.jpg</c>
/// and the official splits <c>dtd/labels/{train,val,test}1.txt</c> (lines <c>banded/banded_0002.jpg</c>; partition 1 of
/// the ten). DTD has no class hierarchy: the built-in one is flat (one level, "texture", the 47 folders of
/// <c>images/</c>); pass <c>--hierarchy</c> for a deeper one whose leaves are the texture names.
/// </summary>
internal static class Dtd
{
    static readonly string[] Candidates = { "", "dtd", "dtd/dtd" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "images", "labels/train1.txt");

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("DTD not found: expected images/ and labels/train1.txt, val1.txt, test1.txt " +
            "(unpack dtd-r1.0.1.tar.gz here)", root);
        var hierarchy = options.Hierarchy ?? FlatHierarchy(dir);
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        FileImageDataset Read(string split, string file)
        {
            var list = BenchmarkFiles.RequireFile(dir, $"labels/{file}");
            var entries = new List<ImageEntry>();
            foreach (var (text, line) in BenchmarkFiles.Lines(list))
            {
                int slash = text.IndexOf('/');
                if (slash <= 0 || slash == text.Length - 1 || text.IndexOf('/', slash + 1) >= 0)
                    throw new DatasetException($"expected 'class/file.jpg', found '{text}'", list, line);
                int leaf = BenchmarkFiles.Leaf(keys, hierarchy, text[..slash], list, line);
                entries.Add(new ImageEntry(Path.Combine(dir, "images", text), leaf));
            }
            return BenchmarkFiles.Build($"dtd {split}", hierarchy, entries, list);
        }
        var train = Read("train", "train1.txt");
        var validation = Read("validation", "val1.txt");
        var test = Read("test", "test1.txt");
        return new DatasetSplits(train, validation, test,
            $"dtd from {dir}: {train.Count} train, {validation.Count} validation, {test.Count} test (official partition 1)");
    }

    /// <summary>One level, "texture": the class folders of images/, sorted by name.</summary>
    static ClassHierarchy FlatHierarchy(string dir)
    {
        var images = BenchmarkFiles.RequireFolder(dir, "images");
        var classes = BenchmarkFiles.Folders(images).Select(Path.GetFileName).ToArray();
        if (classes.Length == 0) throw new DatasetException("no class folders", images);
        return ClassHierarchy.FromLeafPaths("dtd", new[] { "texture" }, classes.Select(c => new[] { c! }).ToArray(), images);
    }
}
