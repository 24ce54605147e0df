using Arbor.Hierarchy;

namespace Arbor.Data.Benchmarks;

/// <summary>
/// BREEDS (Living-17, Nonliving-26, Entity-13, Entity-30) over ImageNet's folders, as HGCLIP runs it (robustness library,
/// split "good"): train on the source subpopulations' ImageNet train images (validation carved from them), test on the
/// target subpopulations' ImageNet val images — the same superclasses, unseen subclasses. The split follows from the
/// BREEDS hierarchy files (<see cref="BreedsSplit"/>) in HGCLIP's <c>ImageNet/breeds/</c> (the robustness library's
/// info_dir; its <c>setup_breeds</c> downloads them from MadryLab/BREEDS-Benchmarks
/// <c>imagenet_class_hierarchy/modified/</c>), or <c>breeds/</c> or <c>BREEDS-Benchmarks/imagenet_class_hierarchy/modified/</c>
/// under the data root. Arbor does not ship them (the BREEDS repository states no licence).
/// Hierarchy: superclass → subclass, each superclass's source subclasses first, then its target ones (names as in the
/// <c>imagenet</c> hierarchy). HGCLIP reports superclass accuracy on source and target; level 1 of the test split is the
/// target number.
/// </summary>
internal static class Breeds
{
    public static BenchmarkDataset Dataset(BreedsSplit.Rule rule, string[] aliases) =>
        new(rule.Name, aliases, "ImageNet/{train,val}/<wnid>/ and ImageNet/breeds/{dataset_class_info.json, class_hierarchy.txt, node_names.txt}",
            "https://github.com/MadryLab/BREEDS-Benchmarks (over ImageNet: https://image-net.org)",
            "BREEDS-Benchmarks modified hierarchy (the user's copy), split 'good' as the robustness library's make_* functions",
            ImageNet.Locate, (root, options) => Open(rule, root, options));

    /// <summary>The folder holding the BREEDS files (the first candidate with any of them), or null.</summary>
    static string? InfoFolder(string root, string imagenet) =>
        new[] { Path.Combine(imagenet, "breeds"), Path.Combine(root, "breeds"), Path.Combine(root, "BREEDS-Benchmarks", "imagenet_class_hierarchy", "modified") }
            .FirstOrDefault(d => BreedsSplit.Files.Any(f => File.Exists(Path.Combine(d, f))));

    /// <summary>The superclasses of a BREEDS dataset from the hierarchy files found under <paramref name="root"/>.</summary>
    public static (IReadOnlyList<BreedsSuperclass> Superclasses, string From) Superclasses(BreedsSplit.Rule rule, string root, string imagenet)
    {
        var folder = InfoFolder(root, imagenet) ?? throw new DatasetException($"{rule.Title} needs the BREEDS hierarchy files " +
            $"({string.Join(", ", BreedsSplit.Files)}) in {Path.Combine(imagenet, "breeds")} (HGCLIP's layout; MadryLab/BREEDS-Benchmarks " +
            "imagenet_class_hierarchy/modified/ has them), or in breeds/ under the data root", root);
        var (texts, sources) = BreedsSplit.ReadFiles(folder);
        return (BreedsSplit.Make(rule, texts, sources), folder);
    }

    public static DatasetSplits Open(BreedsSplit.Rule rule, string root, DatasetOptions options)
    {
        var imagenet = ImageNet.Locate(root) ?? throw new DatasetException($"{rule.Title} is drawn from ImageNet, which was not found: " +
            "expected train/<wnid>/ and val/<wnid>/ (HGCLIP's data/ImageNet)", root);
        var (superclasses, from) = Superclasses(rule, root, imagenet);
        string NameOf(string wnid) => ImageNetClasses.Find(wnid)?.Name
            ?? throw new DatasetException($"{rule.Title}: subclass {wnid} is not an ImageNet-1k class", from);
        var hierarchy = options.Hierarchy ?? ClassHierarchy.FromLeafPaths(rule.Name, new[] { "superclass", "subclass" },
            superclasses.SelectMany(s => s.Source.Concat(s.Target).Select(w => (IReadOnlyList<string>)new[] { s.Name, NameOf(w) })).ToList(), from);
        var leaves = ImageNetClasses.LeavesOf(hierarchy);
        Dictionary<string, int> Only(IEnumerable<string> wnids) =>
            wnids.Where(leaves.ContainsKey).ToDictionary(w => w, w => leaves[w], StringComparer.Ordinal);
        var source = Only(superclasses.SelectMany(s => s.Source));
        var target = Only(superclasses.SelectMany(s => s.Target));
        var train = ImageNet.ReadTrain($"{rule.Name} source", imagenet, hierarchy, source);
        var test = ImageNet.ReadVal($"{rule.Name} target", imagenet, hierarchy, target);
        var splits = BenchmarkFiles.WithCarvedValidation(rule.Name, train, test, options, imagenet);
        return splits with
        {
            Description = $"{splits.Description}; {rule.Title} (BREEDS, split 'good', from {from}): {superclasses.Count} superclasses, " +
                          $"{source.Count} source subclasses (train, validation) and {target.Count} target subclasses (test: ImageNet val)",
        };
    }
}
