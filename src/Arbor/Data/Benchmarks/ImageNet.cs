using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// ImageNet-1k (ILSVRC 2012) as torchvision and HGCLIP read it: <c>train/&lt;wnid&gt;/*.JPEG</c> and
/// <c>val/&lt;wnid&gt;/*.JPEG</c> (HGCLIP's <c>data/ImageNet/{train,val}</c>, ImageFolder). The flat validation folder of
/// the Kaggle download (<c>val/ILSVRC2012_val_00000001.JPEG</c> …) is read with its <c>LOC_val_solution.csv</c> (first
/// WordNet id of each row's PredictionString). Hierarchy: the WordNet parent HGCLIP's graph gives each class
/// (<c>imagenet</c>: 558 hypernyms / 1,000 classes; <c>imagenet-314</c>: HGCLIP's 314 classes, 247 hypernyms).
/// Validation is carved from train; the official val is the test split.
/// </summary>
internal static class ImageNet
{
    static readonly string[] Candidates = { "", "imagenet", "ImageNet", "ILSVRC/Data/CLS-LOC", "imagenet/ILSVRC/Data/CLS-LOC", "ILSVRC2012" };
    const string Solution = "LOC_val_solution.csv";

    public static string? Locate(string root) => BenchmarkFiles.Locate(root, Candidates, "train", "val");

    /// <summary>HGCLIP's own <c>imagenet-314/{train,val}</c> when present, else ImageNet's folders.</summary>
    public static string? Locate314(string root) => BenchmarkFiles.Locate(root, new[] { "imagenet-314" }, "train", "val") ?? Locate(root);

    public static DatasetSplits Open(string root, DatasetOptions options) =>
        Read("imagenet", Locate(root) ?? throw NotFound(root), options.Hierarchy ?? BuiltInHierarchies.Get("imagenet"), options);

    public static DatasetSplits Open314(string root, DatasetOptions options) =>
        Read("imagenet-314", Locate314(root) ?? throw NotFound(root), options.Hierarchy ?? BuiltInHierarchies.Get("imagenet-314"), options);

    static DatasetException NotFound(string root) => new("ImageNet not found: expected train/<wnid>/ and val/<wnid>/ " +
        "(torchvision's layout, HGCLIP's data/ImageNet), or val/*.JPEG with LOC_val_solution.csv (the Kaggle download)", root);

    static DatasetSplits Read(string name, string dir, ClassHierarchy hierarchy, DatasetOptions options)
    {
        var leaves = ImageNetClasses.LeavesOf(hierarchy);
        var train = ReadTrain(name, dir, hierarchy, leaves);
        return BenchmarkFiles.WithCarvedValidation(name, train, ReadVal(name, dir, hierarchy, leaves), options, dir);
    }

    /// <summary>The train split of an ImageNet folder for the classes in <paramref name="leaves"/>.</summary>
    public static FileImageDataset ReadTrain(string name, string dir, ClassHierarchy hierarchy, Dictionary<string, int> leaves)
    {
        var trainDir = BenchmarkFiles.RequireFolder(dir, "train");
        return BenchmarkFiles.Build($"{name} train", hierarchy, ImageNetClasses.ReadClassFolders(trainDir, leaves), trainDir);
    }

    /// <summary>The val split (class folders, or the Kaggle download's flat folder and its solution file).</summary>
    public static FileImageDataset ReadVal(string name, string dir, ClassHierarchy hierarchy, Dictionary<string, int> leaves)
    {
        var valDir = BenchmarkFiles.RequireFolder(dir, "val");
        bool flat = !BenchmarkFiles.Folders(valDir).Any() && BenchmarkFiles.ImagesIn(valDir).Any();
        var entries = flat ? FlatVal(dir, valDir, leaves) : ImageNetClasses.ReadClassFolders(valDir, leaves);
        return BenchmarkFiles.Build($"{name} val", hierarchy, entries, valDir);
    }

    // The Kaggle layout: ILSVRC/Data/CLS-LOC/val/*.JPEG and LOC_val_solution.csv three folders up (or beside val/).
    static List<ImageEntry> FlatVal(string dir, string valDir, Dictionary<string, int> leaves)
    {
        var solution = new[] { dir, Path.Combine(dir, ".."), Path.Combine(dir, "..", "..", "..") }
            .Select(d => Path.GetFullPath(Path.Combine(d, Solution))).FirstOrDefault(File.Exists)
            ?? throw new DatasetException($"val/ holds images without class folders, and no {Solution} (the Kaggle download's labels) " +
                                          "was found beside it or three folders up; sort val/ into <wnid>/ folders (valprep.sh) or add it", valDir);
        var entries = new List<ImageEntry>();
        bool header = true;
        foreach (var (text, line) in BenchmarkFiles.Lines(solution))
        {
            if (header) { header = false; if (text.StartsWith("ImageId", StringComparison.Ordinal)) continue; }
            int comma = text.IndexOf(',');
            var wnid = comma > 0 ? text[(comma + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() : null;
            if (wnid is null) throw new DatasetException($"expected 'ImageId,PredictionString', found '{text}'", solution, line);
            if (ImageNetClasses.Find(wnid) is null)
                throw new DatasetException($"'{wnid}' is not an ImageNet-1k WordNet id", solution, line);
            if (leaves.TryGetValue(wnid, out int leaf)) entries.Add(new ImageEntry(Path.Combine(valDir, text[..comma] + ".JPEG"), leaf));
        }
        return entries;
    }
}
