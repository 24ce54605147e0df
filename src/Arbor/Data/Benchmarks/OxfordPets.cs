using System.Text.RegularExpressions;
using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// Oxford-IIIT Pets (Parkhi et al. 2012) as downloaded: <c>images/&lt;Breed&gt;_&lt;n&gt;.jpg</c> and
/// <c>annotations/trainval.txt</c>, <c>annotations/test.txt</c> (lines <c>Abyssinian_100 1 1 1</c>: image, class id,
/// species 1 = cat / 2 = dog, breed id). Hierarchy: HGCLIP's species → breed file (2 / 37); each line's species is
/// checked against it.
/// </summary>
internal static partial class OxfordPets
{
    static readonly string[] Candidates = { "", "oxford-iiit-pet", "oxford_pets", "pets" };

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "images", "annotations/trainval.txt");

    [GeneratedRegex(@"_\d+$")]
    private static partial Regex ImageNumber();

    public static DatasetSplits Open(string root, DatasetOptions options)
    {
        var dir = Locate(root) ?? throw new DatasetException("Oxford-IIIT Pets not found: expected images/ and annotations/trainval.txt " +
            "(unpack images.tar.gz and annotations.tar.gz here)", root);
        var hierarchy = options.Hierarchy ?? BuiltInHierarchies.Get("oxford-iiit-pet");
        var keys = BenchmarkFiles.LeafKeys(hierarchy);
        FileImageDataset Read(string split)
        {
            var list = BenchmarkFiles.RequireFile(dir, $"annotations/{split}.txt");
            var entries = new List<ImageEntry>();
            foreach (var (text, line) in BenchmarkFiles.Lines(list))
            {
                if (text.StartsWith('#')) continue;
                var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length != 4 || !int.TryParse(fields[2], out int species) || species is not (1 or 2))
                    throw new DatasetException($"expected 'image class-id species(1|2) breed-id', found '{text}'", list, line);
                int leaf = BenchmarkFiles.Leaf(keys, hierarchy, ImageNumber().Replace(fields[0], ""), list, line);
                var expected = species == 1 ? "cat" : "dog";
                var actual = hierarchy.Node(1, hierarchy.AncestorAt(leaf, 1)).Name;
                if (options.Hierarchy is null && !string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                    throw new DatasetException($"species {species} ({expected}) disagrees with the hierarchy, which puts " +
                        $"'{hierarchy.Node(hierarchy.Depth, leaf).Name}' under '{actual}'", list, line);
                entries.Add(new ImageEntry(Path.Combine(dir, "images", fields[0] + ".jpg"), leaf));
            }
            return BenchmarkFiles.Build($"oxford-iiit-pet {split}", hierarchy, entries, list);
        }
        return BenchmarkFiles.WithCarvedValidation("oxford-iiit-pet", Read("trainval"), Read("test"), options, dir);
    }
}
