using System.Globalization;
using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// ImageNet's shifted test sets as downloaded — ImageNet-V2 (class folders <c>0</c> … <c>999</c> by class index),
/// ImageNet-Sketch, ImageNet-A and ImageNet-R (class folders named by WordNet id; A and R have 200 classes each) — as
/// the test split after training on ImageNet, which must sit under the same data root (HGCLIP's <c>data/</c> layout:
/// <c>imagenet-314/</c> or <c>ImageNet/</c> beside <c>imagenetv2/</c>, <c>imagenet-sketch/</c>,
/// <c>imagenet-adversarial/imagenet-a/</c>, <c>imagenet-rendition/imagenet-r/</c>).
/// <para>
/// Classes: those the shifted set shares with the training hierarchy (HGCLIP's 314 by default, <c>--hierarchy
/// imagenet</c> for all 1,000). The hierarchy is cut down to them, so train, validation (carved from ImageNet's train)
/// and test all have exactly the shared classes and a prediction is always one of them — the usual protocol for A and R,
/// whose logits are restricted to their 200 classes. (HGCLIP trains once on its 314 classes and tests on each set.)
/// </para>
/// </summary>
internal static class ImageNetShifts
{
    /// <summary>One shifted set: its name, where it unpacks, and whether its class folders are indices (V2) or WordNet ids.</summary>
    sealed record Shift(string Name, string Title, string[] Candidates, bool IndexFolders);

    static readonly Shift[] Shifts =
    {
        new("imagenet-v2", "ImageNet-V2", new[] { "", "imagenetv2/imagenetv2-matched-frequency-format-val", "imagenetv2-matched-frequency-format-val",
            "imagenetv2/imagenetv2-threshold0.7-format-val", "imagenetv2/imagenetv2-top-images-format-val", "imagenetv2" }, true),
        new("imagenet-sketch", "ImageNet-Sketch", new[] { "", "imagenet-sketch/sketch", "imagenet-sketch/images", "sketch", "imagenet-sketch" }, false),
        new("imagenet-a", "ImageNet-A", new[] { "", "imagenet-adversarial/imagenet-a", "imagenet-a" }, false),
        new("imagenet-r", "ImageNet-R", new[] { "", "imagenet-rendition/imagenet-r", "imagenet-r" }, false),
    };

    static Shift Get(string name) => Shifts.Single(s => s.Name == name);

    static bool IsWnid(string name) => name.Length == 9 && name[0] == 'n' && name.Skip(1).All(char.IsAsciiDigit);

    static bool IsIndex(string name) => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i is >= 0 and < 1000;

    /// <summary>The shifted set's folder under <paramref name="root"/>: the first candidate whose sub-folders look like its classes.</summary>
    public static string? Locate(string name, string root)
    {
        var shift = Get(name);
        foreach (var candidate in shift.Candidates)
        {
            var dir = Path.GetFullPath(Path.Combine(root, candidate));
            // ImageNet's own train/ and val/ are not a shifted set, even though the root holds class folders below them.
            if (Directory.Exists(dir) && BenchmarkFiles.Folders(dir).Select(Path.GetFileName).Any(f => shift.IndexFolders ? IsIndex(f!) : IsWnid(f!)))
                return dir;
        }
        return null;
    }

    public static BenchmarkDataset Dataset(string name, string[] aliases, string layout, string source) =>
        new(name, aliases, layout, source, "HGCLIP's ImageNet hierarchy (WordNet parents) on the shared classes",
            root => Locate(name, root), (root, options) => Open(name, root, options));

    public static DatasetSplits Open(string name, string root, DatasetOptions options)
    {
        var shift = Get(name);
        var dir = Locate(name, root) ?? throw new DatasetException($"{shift.Title} not found: expected class folders " +
            (shift.IndexFolders ? "0/ … 999/ (imagenetv2-matched-frequency-format-val)" : "named by WordNet id (n01440764/ …)") +
            $" in one of {string.Join(", ", shift.Candidates.Where(c => c.Length > 0))}", root);
        var imagenet = ImageNet.Locate314(root) ?? throw new DatasetException($"{shift.Title} is the test split after training on " +
            "ImageNet, which was not found beside it: expected imagenet-314/ or ImageNet/ (train/<wnid>/, val/<wnid>/) under the data root", root);
        var training = options.Hierarchy ?? BuiltInHierarchies.Get("imagenet-314");
        var trainingLeaves = ImageNetClasses.LeavesOf(training);

        // The shifted set's images by WordNet id; a folder that is not a class of the set's kind is an error naming it.
        var byClass = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var folder in BenchmarkFiles.Folders(dir))
        {
            var folderName = Path.GetFileName(folder)!;
            string wnid;
            if (shift.IndexFolders)
            {
                if (!IsIndex(folderName)) throw new DatasetException($"class folder '{folderName}' is not a class index 0 … 999", folder);
                wnid = ImageNetClasses.All[int.Parse(folderName, CultureInfo.InvariantCulture)].Wnid;
            }
            else if (ImageNetClasses.Find(folderName) is { } c) wnid = c.Wnid;
            else throw new DatasetException($"class folder '{folderName}' is not an ImageNet-1k WordNet id (expected e.g. n01440764)", folder);
            byClass[wnid] = BenchmarkFiles.ImagesIn(folder).ToList();
        }
        var shared = byClass.Keys.Where(trainingLeaves.ContainsKey).ToHashSet();
        if (shared.Count == 0)
            throw new DatasetException($"no class of {shift.Title} is a leaf of the {training.Name} hierarchy", dir);
        var hierarchy = ImageNetClasses.Prune(training, shared.Select(w => trainingLeaves[w]).ToHashSet(), $"{name} ({shared.Count} shared classes)");
        var leaves = ImageNetClasses.LeavesOf(hierarchy);

        var train = ImageNet.ReadTrain(name, imagenet, hierarchy, leaves);
        var entries = byClass.Where(kv => shared.Contains(kv.Key)).SelectMany(kv => kv.Value.Select(f => new ImageEntry(f, leaves[kv.Key])))
            .OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        var test = BenchmarkFiles.Build($"{name} test", hierarchy, entries, dir);
        var splits = BenchmarkFiles.WithCarvedValidation(name, train, test, options, imagenet);
        return splits with
        {
            Description = $"{splits.Description}; test is {shift.Title} from {dir}: {shared.Count} of its {byClass.Count} classes " +
                          $"shared with the {training.Name} hierarchy ({training.LeafCount} classes)",
        };
    }
}
