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

        public void AddTo(Command c)
        {
            c.Arguments.Add(Name);
            foreach (var o in new Option[] { Root, Hierarchy, Seed, ValidationFraction, TestStyle, TrainStyles, AllowOutsidePaths, Points }) c.Options.Add(o);
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
        var command = new Command("info", "Counts per split and per level, image size, and where the data comes from.");
        args.AddTo(command);
        command.SetAction(r =>
        {
            var splits = args.Open(r);
            var o = CommandOutput.Out(r);
            var h = splits.Hierarchy;
            var shape = splits.Train.FixedShape;
            o.WriteLine($"dataset: {r.GetValue(args.Name)}");
            o.WriteLine($"source: {splits.Description}");
            o.WriteLine($"hierarchy: {h.Name}, {h.Depth} levels: " +
                        string.Join(" → ", Enumerable.Range(1, h.Depth).Select(l => $"{h.LevelNames[l - 1]} ({h.ClassesAt(l)})")));
            if (splits.Train.Resolve(0).Source is Arbor.Data.Points.PointCloudDataset clouds)
                o.WriteLine($"point clouds: {clouds.PointsPerCloud} points per cloud (x, y, z; y up), in the unit sphere");
            else
                o.WriteLine($"image size: {(shape is { } s ? $"{s.Channels}×{s.Height}×{s.Width}" : "varies (decoded from files)")}");
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
        var command = new Command("preview", "Write a labelled contact sheet of samples (each image with its label path).");
        args.AddTo(command);
        command.Options.Add(outPath);
        command.Options.Add(split);
        command.Options.Add(count);
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
            bool labelled = ContactSheet.Write(dataset, indices, file);
            var o = CommandOutput.Out(r);
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
