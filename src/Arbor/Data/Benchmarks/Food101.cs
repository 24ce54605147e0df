using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// Food-101 (Bossard et al. 2014) as downloaded: <c>food-101/images/&lt;class&gt;/&lt;id&gt;.jpg</c> with the official
/// split lists <c>meta/train.txt</c> and <c>meta/test.txt</c> (lines <c>apple_pie/1005649</c>). Hierarchy: HGCLIP's
/// course → dish file (18 / 101), where the dish "pizza" sits under the course "pizza".
/// </summary>
internal static class Food101
{
    static readonly string[] Candidates = { "", "food-101", "food-101/food-101" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "images", "meta/train.txt");

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("Food-101 not found: expected images/ and meta/train.txt, meta/test.txt " +
            "(unpack food-101.tar.gz here)", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Get("food-101");
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        FileImageDataset Read(string split)
        {
            var list = BenchmarkFiles.RequireFile(dir, $"meta/{split}.txt");
            var entries = new List<ImageEntry>();
            foreach (var (text, line) in BenchmarkFiles.Lines(list))
            {
                int slash = text.IndexOf('/');
                if (slash <= 0 || slash == text.Length - 1)
                    throw new DatasetException($"expected 'class/image_id', found '{text}'", list, line);
                int leaf = BenchmarkFiles.Leaf(keys, hierarchy, text[..slash], list, line);
                entries.Add(new ImageEntry(Path.Combine(dir, "images", text + ".jpg"), leaf));
            }
            return BenchmarkFiles.Build($"food-101 {split}", hierarchy, entries, list);
        }
        return BenchmarkFiles.WithCarvedValidation("food-101", Read("train"), Read("test"), options, dir);
    }
}
