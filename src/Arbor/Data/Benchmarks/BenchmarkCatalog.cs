namespace Arbor.Data.Benchmarks;

/// <summary>One benchmark dataset of the HGCLIP paper's tables, read in the layout its users download.</summary>
/// <param name="Name">Catalog name (<c>--dataset NAME</c>).</param>
/// <param name="Aliases">Other accepted names (HGCLIP's own short names among them).</param>
/// <param name="Layout">The folder layout expected under the data root (docs/datasets.md repeats it).</param>
/// <param name="Source">Where users download it.</param>
/// <param name="HierarchySource">Where the built-in hierarchy comes from.</param>
/// <param name="Locate">The dataset's folder under a data root, or null when it is not there.</param>
/// <param name="Read">Reads the splits from a data root (or the dataset's own folder).</param>
public sealed record BenchmarkDataset(string Name, IReadOnlyList<string> Aliases, string Layout, string Source, string HierarchySource,
    Func<string, string?> Locate, Func<string, DatasetOptions, DatasetSplits> Read)
{
    /// <summary>
    /// Opens it from <paramref name="root"/>: the dataset's own folder or a data root holding it under its usual name
    /// (HGCLIP's <c>data/</c> layout); a missing dataset is a <see cref="DatasetException"/> saying what was expected.
    /// </summary>
    public DatasetSplits Open(string root, DatasetOptions options)
    {
        if (!Directory.Exists(root)) throw new DatasetException($"{Name}: data folder not found", root);
        return Read(root, options);
    }
}

/// <summary>The benchmark datasets Arbor reads in their downloaded layouts, each with a built-in hierarchy.</summary>
public static class BenchmarkCatalog
{
    /// <summary>Every benchmark, in the order of docs/datasets.md.</summary>
    public static IReadOnlyList<BenchmarkDataset> All { get; } = new BenchmarkDataset[]
    {
        new("cifar-10", new[] { "cifar10" }, "cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta} or cifar-10-batches-bin/*.bin",
            "https://www.cs.toronto.edu/~kriz/cifar.html", "Arbor (animal / vehicle)", Cifar10.Locate, Cifar10.Open),
        new("cifar-100-python", new[] { "cifar100-python" }, "cifar-100-python/{train,test,meta} (python pickles)",
            "https://www.cs.toronto.edu/~kriz/cifar.html", "CIFAR-100's coarse labels (20 superclasses)", Cifar100Python.Locate, Cifar100Python.Open),
        new("caltech-101", new[] { "caltech101" }, "caltech-101/101_ObjectCategories/<class>/image_*.jpg",
            "https://data.caltech.edu/records/mzrjq-6wc02 (101_ObjectCategories.tar.gz)", "HGCLIP hgclip/data/caltech101", Caltech101.Locate, Caltech101.Open),
        new("food-101", new[] { "food101" }, "food-101/{images/<class>/<id>.jpg, meta/train.txt, meta/test.txt}",
            "https://data.vision.ee.ethz.ch/cvl/datasets_extra/food-101/", "HGCLIP hgclip/data/food-101", Food101.Locate, Food101.Open),
        new("fruits-360", new[] { "fruits360" }, "fruits-360/{Training,Test}/<class>/*.jpg",
            "https://www.kaggle.com/datasets/moltean/fruits", "HGCLIP hgclip/data/fruits-360", Fruits360.Locate, Fruits360.Open),
        new("oxford-iiit-pet", new[] { "pets", "oxford-pets" }, "oxford-iiit-pet/{images/*.jpg, annotations/trainval.txt, annotations/test.txt}",
            "https://www.robots.ox.ac.uk/~vgg/data/pets/", "HGCLIP hgclip/data/oxford-iiit-pet", OxfordPets.Locate, OxfordPets.Open),
        new("stanford-cars", new[] { "car", "cars" }, "stanford_cars/{devkit/cars_meta.mat, devkit/cars_train_annos.mat, cars_test_annos_withlabels.mat, cars_train/, cars_test/}",
            "https://ai.stanford.edu/~jkrause/cars/car_dataset.html", "HGCLIP's body-type table", StanfordCars.Locate, StanfordCars.Open),
        new("fgvc-aircraft", new[] { "air", "aircraft" }, "fgvc-aircraft-2013b/data/{images/*.jpg, variants.txt, images_{variant,family,manufacturer}_{train,val,test}.txt}",
            "https://www.robots.ox.ac.uk/~vgg/data/fgvc-aircraft/", "the dataset's own family / manufacturer label files", FgvcAircraft.Locate, FgvcAircraft.Open),
        new("ethec", Array.Empty<string>(), "ETHEC_dataset/{splits/{train,val,test}.json, IMAGO_build_test_resized/…}",
            "https://www.research-collection.ethz.ch/handle/20.500.11850/365379", "ETHEC's label map (via HGCLIP)", Ethec.Locate, Ethec.Open),
        new("eurosat", Array.Empty<string>(), "2750/<Class>/<Class>_<n>.jpg (EuroSAT RGB)",
            "https://github.com/phelber/EuroSAT", "Arbor (four kinds of land)", EuroSat.Locate, EuroSat.Open),
        new("dtd", new[] { "describable-textures" }, "dtd/{images/<class>/<class>_<n>.jpg, labels/{train,val,test}1.txt}",
            "https://www.robots.ox.ac.uk/~vgg/data/dtd/", "none (DTD has no hierarchy): one level, the 47 textures", Dtd.Locate, Dtd.Open),
        new("imagenet", new[] { "imagenet-1k", "ilsvrc2012" }, "ImageNet/{train,val}/<wnid>/*.JPEG (torchvision; or val/*.JPEG + LOC_val_solution.csv)",
            "https://image-net.org/download.php (ILSVRC 2012)", "WordNet parents as HGCLIP's graph takes them (ImageNet's wordnet.is_a.txt)",
            ImageNet.Locate, ImageNet.Open),
        new("imagenet-314", Array.Empty<string>(), "imagenet-314/{train,val}/<wnid>/ (HGCLIP's) or ImageNet/{train,val}/ (its 314 classes are read)",
            "https://image-net.org/download.php (ILSVRC 2012)", "HGCLIP hgclip/data/imagenet-314/imagenet-314.txt + WordNet parents",
            ImageNet.Locate314, ImageNet.Open314),
        ImageNetShifts.Dataset("imagenet-v2", new[] { "imagenetv2" }, "imagenetv2/imagenetv2-matched-frequency-format-val/<0..999>/*.jpeg + ImageNet for training",
            "https://github.com/modestyachts/ImageNetV2"),
        ImageNetShifts.Dataset("imagenet-sketch", new[] { "sketch" }, "imagenet-sketch/sketch/<wnid>/*.JPEG + ImageNet for training",
            "https://github.com/HaohanWang/ImageNet-Sketch"),
        ImageNetShifts.Dataset("imagenet-a", new[] { "imagenet-adversarial" }, "imagenet-adversarial/imagenet-a/<wnid>/*.jpg + ImageNet for training",
            "https://github.com/hendrycks/natural-adv-examples"),
        ImageNetShifts.Dataset("imagenet-r", new[] { "imagenet-rendition" }, "imagenet-rendition/imagenet-r/<wnid>/*.jpg + ImageNet for training",
            "https://github.com/hendrycks/imagenet-r"),
        Breeds.Dataset(BreedsSplit.Rules[0], new[] { "living17" }),
        Breeds.Dataset(BreedsSplit.Rules[1], new[] { "nonliving26" }),
        Breeds.Dataset(BreedsSplit.Rules[2], new[] { "entity13" }),
        Breeds.Dataset(BreedsSplit.Rules[3], new[] { "entity30" }),
        new("sun397", new[] { "sun-397" }, "SUN397/{ClassName.txt, <letter>/<class>/…/sun_*.jpg, Training_01.txt, Testing_01.txt (Partitions.zip)}",
            "https://vision.princeton.edu/projects/2010/SUN/", "none built in (SUN's three-level spreadsheet is not available here): one level, the 397 scenes",
            Sun397.Locate, Sun397.Open),
    };

    /// <summary>The benchmark of that name or alias (case-insensitive), or null.</summary>
    public static BenchmarkDataset? Find(string name) =>
        All.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)
                                || b.Aliases.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The benchmark of that name; an unknown name lists the known ones.</summary>
    public static BenchmarkDataset Get(string name) => Find(name)
        ?? throw new ArborException($"unknown benchmark dataset '{name}'; known: {string.Join(", ", All.Select(b => b.Name))}");
}
