using SkiaSharp;

namespace Arbor.Tests.Data.Benchmarks;

/// <summary>Miniature copies of the benchmark datasets' on-disk layouts: real metadata formats, a few tiny images.</summary>
internal static class BenchmarkLayouts
{
    /// <summary>A 4×4 image file (PNG bytes; the readers go by file name, the decoder by content).</summary>
    public static void Image(string path) => DataFixtures.WritePng(path, 4, 4, SKColors.Olive);

    public static void Text(string path, params string[] lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
    }

    /// <summary>food-101/ with images of three dishes (pizza under the course pizza) and the official split lists.</summary>
    public static string Food101(string root)
    {
        var dir = Path.Combine(root, "food-101");
        string[] train = { "apple_pie/1005649", "apple_pie/1011328", "pizza/32004", "pizza/41039", "ramen/10001", "ramen/10002", "pho/20001" };
        string[] test = { "apple_pie/1026328", "pizza/1001116", "ramen/10003" };
        foreach (var id in train.Concat(test)) Image(Path.Combine(dir, "images", id + ".jpg"));
        Text(Path.Combine(dir, "meta", "train.txt"), train);
        Text(Path.Combine(dir, "meta", "test.txt"), test);
        Text(Path.Combine(dir, "meta", "classes.txt"), "apple_pie", "pho", "pizza", "ramen");
        return dir;
    }

    /// <summary>caltech-101/101_ObjectCategories with four classes of five images and the background folder.</summary>
    public static string Caltech101(string root)
    {
        var dir = Path.Combine(root, "caltech-101", "101_ObjectCategories");
        foreach (var cls in new[] { "Faces_easy", "rooster", "car_side", "BACKGROUND_Google", "water_lilly" })
            for (int i = 1; i <= 5; i++) Image(Path.Combine(dir, cls, $"image_{i:D4}.jpg"));
        return Path.GetDirectoryName(dir)!;
    }

    /// <summary>fruits-360 with numbered variants (Apple Red 1, Apple Red 2) of one variety.</summary>
    public static string Fruits360(string root)
    {
        var dir = Path.Combine(root, "fruits-360");
        foreach (var split in new[] { "Training", "Test" })
            foreach (var cls in new[] { "Apple Red 1", "Apple Red 2", "Walnut", "Tomato not Ripened" })
                for (int i = 0; i < (split == "Training" ? 3 : 1); i++) Image(Path.Combine(dir, split, cls, $"{i}_100.jpg"));
        return dir;
    }

    /// <summary>oxford-iiit-pet with images/ and annotations/{trainval,test}.txt in the official line format.</summary>
    public static string Pets(string root)
    {
        var dir = Path.Combine(root, "oxford-iiit-pet");
        string[] trainval = { "Abyssinian_100 1 1 1", "Abyssinian_101 1 1 1", "american_bulldog_10 2 2 1", "american_bulldog_100 2 2 1",
            "german_shorthaired_1 17 2 9", "german_shorthaired_2 17 2 9" };
        string[] test = { "Abyssinian_1 1 1 1", "german_shorthaired_3 17 2 9" };
        foreach (var line in trainval.Concat(test)) Image(Path.Combine(dir, "images", line.Split(' ')[0] + ".jpg"));
        Text(Path.Combine(dir, "annotations", "trainval.txt"), new[] { "#Image CLASS-ID SPECIES BREED ID" }.Concat(trainval).ToArray());
        Text(Path.Combine(dir, "annotations", "test.txt"), test);
        return dir;
    }

    /// <summary>fgvc-aircraft-2013b/data with three variants of two families of two manufacturers, official splits.</summary>
    public static string Aircraft(string root)
    {
        var dir = Path.Combine(root, "fgvc-aircraft-2013b", "data");
        var rows = new (string Image, string Variant, string Family, string Maker, string Split)[]
        {
            ("1025794", "707-320", "Boeing 707", "Boeing", "train"), ("1340192", "707-320", "Boeing 707", "Boeing", "val"),
            ("0056978", "727-200", "Boeing 727", "Boeing", "train"), ("0062765", "727-200", "Boeing 727", "Boeing", "test"),
            ("0034309", "A300B4", "A300", "Airbus", "train"), ("0034958", "A300B4", "A300", "Airbus", "test"),
            ("1114238", "A300B4", "A300", "Airbus", "val"),
        };
        foreach (var r in rows) Image(Path.Combine(dir, "images", r.Image + ".jpg"));
        Text(Path.Combine(dir, "variants.txt"), "707-320", "727-200", "A300B4");
        Text(Path.Combine(dir, "families.txt"), "A300", "Boeing 707", "Boeing 727");
        Text(Path.Combine(dir, "manufacturers.txt"), "Airbus", "Boeing");
        foreach (var split in new[] { "train", "val", "test" })
        {
            var mine = rows.Where(r => r.Split == split).ToArray();
            Text(Path.Combine(dir, $"images_variant_{split}.txt"), mine.Select(r => $"{r.Image} {r.Variant}").ToArray());
            Text(Path.Combine(dir, $"images_family_{split}.txt"), mine.Select(r => $"{r.Image} {r.Family}").ToArray());
            Text(Path.Combine(dir, $"images_manufacturer_{split}.txt"), mine.Select(r => $"{r.Image} {r.Maker}").ToArray());
        }
        return dir;
    }

    /// <summary>ETHEC_dataset with split JSON records and images under IMAGO_build_test_resized.</summary>
    public static string Ethec(string root)
    {
        var dir = Path.Combine(root, "ETHEC_dataset");
        string Record(string id, string genus, string epithet, string subfamily, string family)
        {
            var folder = $"{id[..2]}/{id}";
            Image(Path.Combine(dir, "IMAGO_build_test_resized", folder, id + ".jpg"));
            return $"\"{id}\": {{ \"image_name\": \"{id}.jpg\", \"image_path\": \"{folder}\", \"family\": \"{family}\", " +
                   $"\"subfamily\": \"{subfamily}\", \"genus\": \"{genus}\", \"specific_epithet\": \"{epithet}\", \"token\": \"x\" }}";
        }
        Text(Path.Combine(dir, "splits", "train.json"), "{", Record("AA0001", "Papilio", "machaon", "Papilioninae", "Papilionidae") + ",",
            Record("AA0002", "Pieris", "rapae", "Pierinae", "Pieridae") + ",", Record("AA0003", "Pieris", "rapae", "Pierinae", "Pieridae"), "}");
        Text(Path.Combine(dir, "splits", "val.json"), "{", Record("BB0001", "Pieris", "napi", "Pierinae", "Pieridae"), "}");
        Text(Path.Combine(dir, "splits", "test.json"), "{", Record("CC0001", "Papilio", "machaon", "Papilioninae", "Papilionidae") + ",",
            Record("CC0002", "Carterocephalus", "palaemon", "Heteropterinae", "Hesperiidae"), "}");
        return dir;
    }

    /// <summary>EuroSAT's 2750/ folder with three of its classes.</summary>
    public static string EuroSat(string root)
    {
        var dir = Path.Combine(root, "eurosat", "2750");
        foreach (var cls in new[] { "AnnualCrop", "SeaLake", "HerbaceousVegetation" })
            for (int i = 1; i <= 5; i++) Image(Path.Combine(dir, cls, $"{cls}_{i}.jpg"));
        return Path.GetDirectoryName(dir)!;
    }

    /// <summary>dtd/ with three textures and partition 1's official split files (two more partitions' files as decoys).</summary>
    public static string Dtd(string root)
    {
        var dir = Path.Combine(root, "dtd");
        foreach (var cls in new[] { "banded", "bubbly", "zigzagged" })
            for (int i = 1; i <= 4; i++) Image(Path.Combine(dir, "images", cls, $"{cls}_{i:D4}.jpg"));
        Text(Path.Combine(dir, "labels", "train1.txt"), "banded/banded_0001.jpg", "banded/banded_0002.jpg", "bubbly/bubbly_0001.jpg",
            "bubbly/bubbly_0002.jpg", "zigzagged/zigzagged_0001.jpg", "zigzagged/zigzagged_0002.jpg");
        Text(Path.Combine(dir, "labels", "val1.txt"), "banded/banded_0003.jpg", "bubbly/bubbly_0003.jpg", "zigzagged/zigzagged_0003.jpg");
        Text(Path.Combine(dir, "labels", "test1.txt"), "banded/banded_0004.jpg", "bubbly/bubbly_0004.jpg", "zigzagged/zigzagged_0004.jpg");
        Text(Path.Combine(dir, "labels", "train2.txt"), "banded/banded_0004.jpg");
        Text(Path.Combine(dir, "labels", "labels_joint_anno.txt"), "banded/banded_0001.jpg banded");
        return dir;
    }

    /// <summary>The ImageNet classes of the miniature: tench (0, not one of HGCLIP's 314), dalmatian (251), tiger (292),
    /// cheetah (293) and the crane machine (517, not in the 314).</summary>
    public static readonly string[] ImageNetWnids = { "n01440764", "n02110341", "n02129604", "n02130308", "n03126707" };

    /// <summary>ImageNet/ as torchvision sorts it: train/&lt;wnid&gt;/ three images each, val/&lt;wnid&gt;/ one each.</summary>
    public static string ImageNet(string root)
    {
        var dir = Path.Combine(root, "ImageNet");
        foreach (var wnid in ImageNetWnids)
        {
            for (int i = 1; i <= 3; i++) Image(Path.Combine(dir, "train", wnid, $"{wnid}_{i}.JPEG"));
            Image(Path.Combine(dir, "val", wnid, $"ILSVRC2012_val_{Array.IndexOf(ImageNetWnids, wnid) + 1:D8}.JPEG"));
        }
        return dir;
    }

    /// <summary>The Kaggle download: ILSVRC/Data/CLS-LOC/{train/&lt;wnid&gt;/, val/*.JPEG} and LOC_val_solution.csv at the top.</summary>
    public static string ImageNetKaggle(string root)
    {
        var top = Path.Combine(root, "imagenet-kaggle");
        var dir = Path.Combine(top, "ILSVRC", "Data", "CLS-LOC");
        var rows = new List<string> { "ImageId,PredictionString" };
        for (int c = 0; c < ImageNetWnids.Length; c++)
        {
            var wnid = ImageNetWnids[c];
            for (int i = 1; i <= 2; i++) Image(Path.Combine(dir, "train", wnid, $"{wnid}_{i}.JPEG"));
            var id = $"ILSVRC2012_val_{c + 1:D8}";
            Image(Path.Combine(dir, "val", id + ".JPEG"));
            rows.Add($"{id},{wnid} 10 20 200 180 {wnid} 5 5 40 40 ");
        }
        Text(Path.Combine(top, "LOC_val_solution.csv"), rows.ToArray());
        Text(Path.Combine(top, "LOC_synset_mapping.txt"), "n01440764 tench, Tinca tinca");
        return top;
    }

    /// <summary>The four shifted sets in HGCLIP's data/ layout, each with two images per class folder.</summary>
    public static void ImageNetShifts(string root)
    {
        void Classes(string dir, string ext, params string[] folders)
        {
            foreach (var folder in folders)
                for (int i = 1; i <= 2; i++) Image(Path.Combine(dir, folder, $"{folder}_{i}.{ext}"));
        }
        Classes(Path.Combine(root, "imagenetv2", "imagenetv2-matched-frequency-format-val"), "jpeg", "0", "251", "292");
        Classes(Path.Combine(root, "imagenet-sketch", "sketch"), "JPEG", "n01440764", "n02110341");
        Classes(Path.Combine(root, "imagenet-adversarial", "imagenet-a"), "jpg", "n02129604", "n02130308");
        Text(Path.Combine(root, "imagenet-adversarial", "imagenet-a", "README.txt"), "ImageNet-A: 200 classes");
        Classes(Path.Combine(root, "imagenet-rendition", "imagenet-r"), "jpg", "n02110341", "n02129604", "n02130308");
    }

    /// <summary>SUN397/ with three scenes (one with a place sub-folder), ClassName.txt and partition 1 (partition 2 a decoy).</summary>
    public static string Sun397(string root)
    {
        var dir = Path.Combine(root, "SUN397");
        string[] train = { "/a/abbey/sun_aaa.jpg", "/a/abbey/sun_aab.jpg", "/a/apartment_building/outdoor/sun_baa.jpg",
            "/a/apartment_building/outdoor/sun_bab.jpg", "/b/balcony/interior/sun_caa.jpg", "/b/balcony/interior/sun_cab.jpg" };
        string[] test = { "/a/abbey/sun_aac.jpg", "/a/apartment_building/outdoor/sun_bac.jpg", "/b/balcony/interior/sun_cac.jpg" };
        foreach (var f in train.Concat(test)) Image(Path.Combine(dir, f.TrimStart('/')));
        Text(Path.Combine(dir, "ClassName.txt"), "/a/abbey", "/a/apartment_building/outdoor", "/b/balcony/interior");
        Text(Path.Combine(dir, "Training_01.txt"), train);
        Text(Path.Combine(dir, "Testing_01.txt"), test);
        Text(Path.Combine(dir, "Training_02.txt"), test);
        return dir;
    }

    /// <summary>A copy of a committed fixture folder (tests/fixtures/benchmarks/NAME) under <paramref name="root"/>.</summary>
    public static string Committed(string root, string name)
    {
        var source = TestPaths.Fixture("benchmarks", name);
        var target = Path.Combine(root, name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        return target;
    }
}
