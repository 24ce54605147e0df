using System.CommandLine;
using Arbor.Data;
using Arbor.Hierarchy;

namespace Arbor.Cli.Commands;

/// <summary>`arbor data info|preview|fetch`.</summary>
internal static class DataCommand
{
    public static Command Build()
    {
        var command = new Command("data", "Inspect and fetch datasets.");
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Preview());
        command.Subcommands.Add(Fetch());
        return command;
    }

    /// <summary>Options every data command shares: where the data is, which hierarchy, how splits are carved.</summary>
    sealed class DatasetArgs
    {
        public readonly Argument<string> Name = new("dataset")
        {
            Description = $"A dataset name ({string.Join(", ", DatasetCatalog.Names)}), a folder (IDX, CIFAR-100 binary, " +
                          "emoji packages, a ModelNet layout or an image-folder tree) or a manifest .csv.",
        };
        public readonly Option<string?> Root = SharedOptions.DataRoot();
        public readonly Option<string?> Hierarchy = SharedOptions.Hierarchy();
        public readonly Option<int> Seed = SharedOptions.Seed("Seed of the validation carving (and of the preview's sample)");
        public readonly Option<double> ValidationFraction = SharedOptions.ValFraction();
        public readonly Option<string?> TestStyle = new("--test-style") { Description = "Emoji: the style used as test domain." };
        public readonly Option<string[]> TrainStyles = new("--train-styles") { Description = "Emoji: styles of the training pool.", AllowMultipleArgumentsPerToken = true };
        public readonly Option<bool> AllowOutsidePaths = SharedOptions.AllowOutsidePaths();
        public readonly Option<int?> Points = SharedOptions.Points();
        public readonly Option<int?> ImageSize = SharedOptions.ImageSize(SharedOptions.DatasetInputDefaults);
        public readonly Option<int?> Channels = SharedOptions.Channels(SharedOptions.DatasetChannelDefaults);

        public void AddTo(Command c)
        {
            c.Arguments.Add(Name);
            foreach (var o in new Option[] { Root, Hierarchy, Seed, ValidationFraction, TestStyle, TrainStyles, AllowOutsidePaths, ImageSize, Channels, Points })
                c.Options.Add(o);
        }

        /// <summary>
        /// The input `arbor train` would give a model with the same --image-size/--channels: when the size is neither
        /// given nor the dataset's own, every image file is decoded once to find a size they share (progress on stderr).
        /// </summary>
        public (int Size, int Channels, string Why, ImageCheck? Check) Input(ParseResult r, DatasetSplits splits)
        {
            int? size = r.GetValue(ImageSize), channels = r.GetValue(Channels);
            Experiments.RunValidation.CheckGeometry(size, channels);
            ImageCheck? check = null;
            if (size is null && splits.Train.FixedShape is null)
            {
                var err = CommandOutput.Err(r);
                check = ImageFileCheck.Run(splits, skipBad: true, statistics: false,
                    (done, total) => { if (done % 4096 == 0) err.WriteLine($"checking image files: {done:N0}/{total:N0}"); });
            }
            var (s, c, why) = Experiments.RunValidation.ResolveGeometry(size, channels, splits, check?.CommonSize);
            return (s, c, why, check);
        }

        public DatasetSplits Open(ParseResult r)
        {
            var options = new DatasetOptions
            {
                Root = r.GetValue(Root),
                Hierarchy = ResolveHierarchy(r.GetValue(Hierarchy)),
                Seed = r.GetValue(Seed),
                ValidationFraction = r.GetValue(ValidationFraction),
                TestStyle = r.GetValue(TestStyle),
                TrainStyles = r.GetValue(TrainStyles) is { Length: > 0 } s ? s : null,
                AllowPathsOutsideManifest = r.GetValue(AllowOutsidePaths),
                Points = r.GetValue(Points),
            };
            return DatasetCatalog.Open(r.GetValue(Name)!, options);
        }
    }

    /// <summary>The one place the data commands turn a --hierarchy argument (built-in name or file) into a hierarchy.</summary>
    static ClassHierarchy? ResolveHierarchy(string? nameOrPath) => nameOrPath is null ? null : HierarchyLoader.Load(nameOrPath);

    static Command Info()
    {
        var args = new DatasetArgs();
        var json = SharedOptions.Json("Print JSON: source, levels, image size, and per split its images and images per class at every level");
        var command = new Command("info", "Counts per split and per level, image size, and where the data comes from.");
        args.AddTo(command);
        command.Options.Add(json);
        command.SetAction(r =>
        {
            var splits = args.Open(r);
            var o = CommandOutput.Out(r);
            var h = splits.Hierarchy;
            var shape = splits.Train.FixedShape;
            if (r.GetValue(json))
            {
                o.WriteLine(InfoJson(r.GetValue(args.Name)!, splits));
                return 0;
            }
            o.WriteLine($"dataset: {r.GetValue(args.Name)}");
            o.WriteLine($"source: {splits.Description}");
            o.WriteLine($"hierarchy: {h.Name}, {h.Depth} levels: " +
                        string.Join(" → ", Enumerable.Range(1, h.Depth).Select(l => $"{h.LevelNames[l - 1]} ({h.ClassesAt(l)})")));
            if (splits.Train.Resolve(0).Source is Arbor.Data.Points.PointCloudDataset clouds)
                o.WriteLine($"point clouds: {clouds.PointsPerCloud} points per cloud (x, y, z; y up), in the unit sphere");
            else
            {
                o.WriteLine($"image size: {(shape is { } s ? $"{s.Channels}×{s.Height}×{s.Width}" : "varies (decoded from files)")}");
                var (size, channels, why, check) = args.Input(r, splits);
                if (check is { FilesChecked: > 0 }) o.WriteLine(check.Summary);
                o.WriteLine($"model input: {size}×{size} px ({why}), {channels} channel{(channels == 1 ? "" : "s")}");
            }
            var named = new[] { ("train", splits.Train), ("validation", splits.Validation), ("test", splits.Test) };
            o.WriteLine();
            o.WriteLine($"{"split",-12}{"images",10}" + string.Concat(Enumerable.Range(1, h.Depth).Select(l => $"  {h.LevelNames[l - 1] + " classes",18}")));
            foreach (var (name, d) in named)
                o.WriteLine($"{name,-12}{d.Count,10}" + string.Concat(Enumerable.Range(1, h.Depth).Select(l =>
                    $"  {$"{d.CountPerClass(l).Count(c => c > 0)}/{h.ClassesAt(l)}",18}")));
            for (int level = 1; level <= h.Depth; level++)
            {
                o.WriteLine();
                var counts = named.Select(n => n.Item2.CountPerClass(level)).ToArray();
                o.WriteLine($"level {level} ({h.LevelNames[level - 1]}, {h.ClassesAt(level)} classes): images per class");
                if (h.ClassesAt(level) <= 30)
                {
                    o.WriteLine($"  {"class",-28}{"train",8}{"val",8}{"test",8}");
                    foreach (var node in h.NodesAt(level))
                        o.WriteLine($"  {Trim(node.Name, 27),-28}{counts[0][node.LocalIndex],8}{counts[1][node.LocalIndex],8}{counts[2][node.LocalIndex],8}");
                }
                else
                    for (int k = 0; k < 3; k++)
                        o.WriteLine($"  {named[k].Item1,-12} min {counts[k].Min()}, median {Median(counts[k])}, max {counts[k].Max()}, " +
                                    $"empty {counts[k].Count(c => c == 0)}");
            }
            return 0;
        });
        return command;
    }

    static Command Preview()
    {
        var args = new DatasetArgs();
        var outPath = SharedOptions.Out("PNG file to write (atomically)", required: true);
        var split = new Option<string>("--split") { Description = "train, validation or test.", DefaultValueFactory = _ => "train" };
        var count = new Option<int>("--count") { Description = "Number of images.", DefaultValueFactory = _ => 32 };
        var json = SharedOptions.Json("Print JSON: the file written, the source, the split, and each tile's index and label path");
        var command = new Command("preview", "Write a labelled contact sheet of samples (each image with its label path).");
        args.AddTo(command);
        command.Options.Add(outPath);
        command.Options.Add(split);
        command.Options.Add(count);
        command.Options.Add(json);
        command.SetAction(r =>
        {
            var splits = args.Open(r);
            var dataset = splits.Get(r.GetValue(split)!);
            int n = Math.Clamp(r.GetValue(count), 1, 512);
            // A seeded sample across the split, so a sorted dataset still shows many classes.
            var order = Enumerable.Range(0, dataset.Count).ToArray();
            new Random(r.GetValue(args.Seed)).Shuffle(order);
            var indices = order.Take(n).Order().ToArray();
            var file = r.GetValue(outPath)!;
            // Asked for a geometry: show the images as a model reads them at it; otherwise as stored.
            BatchLoaderOptions? input = null;
            if (r.GetValue(args.ImageSize) is not null || r.GetValue(args.Channels) is not null)
            {
                var (size, channels, _, _) = args.Input(r, splits);
                input = new BatchLoaderOptions { ImageSize = size, Channels = channels };
            }
            bool labelled = ContactSheet.Write(dataset, indices, file, input);
            var o = CommandOutput.Out(r);
            if (r.GetValue(json))
            {
                if (!labelled) CommandOutput.Err(r).WriteLine("warning: no font found; tiles are unlabelled (their labels are in the JSON)");
                o.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    file = Path.GetFullPath(file), source = splits.Description, split = r.GetValue(split), dataset = dataset.Name, labelled,
                    tiles = indices.Select(i => new { index = i, path = LabelPath(dataset, i) }),
                }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            o.WriteLine($"source: {splits.Description}");
            o.WriteLine($"wrote {file}: {indices.Length} images of {dataset.Name}");
            if (!labelled)
            {
                CommandOutput.Err(r).WriteLine("warning: no font found; tiles are unlabelled. Labels in order:");
                foreach (var i in indices) o.WriteLine($"  #{i}: {string.Join(" > ", LabelPath(dataset, i))}");
            }
            return 0;
        });
        return command;
    }

    static Command Fetch()
    {
        var which = new Argument<string>("what") { Description = "What to fetch: emoji." };
        var dir = new Option<string?>("--dir") { Description = "Cache folder (default $ARBOR_DATA/emoji or ~/.cache/arbor/emoji)." };
        var styles = new Option<string[]>("--styles")
        {
            Description = "Emoji styles.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => EmojiDatasets.Styles.ToArray(),
        };
        var command = new Command("fetch", "Download and unpack a dataset into the cache (emoji: needs npm).");
        command.Arguments.Add(which);
        command.Options.Add(dir);
        command.Options.Add(styles);
        command.SetAction(r =>
        {
            if (!string.Equals(r.GetValue(which), "emoji", StringComparison.OrdinalIgnoreCase))
                throw new ArborException($"cannot fetch '{r.GetValue(which)}': only 'emoji' is fetched by Arbor " +
                    "(Fashion-MNIST: apt-get install dataset-fashion-mnist; CIFAR-100: unpack cifar-100-binary.tar.gz)");
            var o = CommandOutput.Out(r);
            EmojiFetcher.Fetch(r.GetValue(dir) ?? EmojiDatasets.DefaultFolder, r.GetValue(styles)!, o.WriteLine);
            return 0;
        });
        return command;
    }

    /// <summary>`data info --json`: what the text shows, with every class's count (arrays indexed by class id).</summary>
    static string InfoJson(string dataset, DatasetSplits splits)
    {
        var h = splits.Hierarchy;
        var shape = splits.Train.FixedShape;
        var levels = Enumerable.Range(1, h.Depth).ToArray();
        var document = new
        {
            dataset,
            source = splits.Description,
            hierarchy = h.Name,
            levels = levels.Select(l => new { level = l, name = h.LevelNames[l - 1], classes = h.ClassesAt(l), names = h.NodesAt(l).Select(n => n.Name) }),
            image_size = shape is { } s ? new { channels = s.Channels, height = s.Height, width = s.Width } : null,
            splits = new[] { ("train", splits.Train), ("validation", splits.Validation), ("test", splits.Test) }.Select(split => new
            {
                name = split.Item1,
                images = split.Item2.Count,
                images_per_class = levels.Select(l => split.Item2.CountPerClass(l)),
            }),
        };
        return System.Text.Json.JsonSerializer.Serialize(document, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    static IEnumerable<string> LabelPath(ImageDataset d, int index)
    {
        var path = d.LevelLabelsOf(index);
        return Enumerable.Range(1, d.Hierarchy.Depth).Select(l => d.Hierarchy.Node(l, path[l - 1]).Name);
    }

    static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    static int Median(int[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
