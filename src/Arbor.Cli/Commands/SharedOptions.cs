using System.CommandLine;
using Arbor.Evaluation;

namespace Arbor.Cli.Commands;

/// <summary>
/// Option definitions more than one command takes, so each concept has one name, alias, default and meaning everywhere
/// (docs/cli.md lists them). Older spellings stay accepted as aliases.
/// </summary>
internal static class SharedOptions
{
    /// <summary>`--allow-outside-paths`: a manifest may name images by absolute path or outside its folder (`..`).</summary>
    public static Option<bool> AllowOutsidePaths() => new("--allow-outside-paths")
    {
        Description = "Let a manifest .csv name images by absolute path or outside its own folder (..); refused by default",
    };

    /// <summary><c>--run, -r</c>: a run folder (from train, or zeroshot).</summary>
    public static Option<string> Run() => new("--run", "-r") { Description = "Run folder written by `arbor train` or `arbor zeroshot`", Required = true };

    /// <summary><c>--dataset, -d</c>: a dataset name or path.</summary>
    public static Option<string> Dataset(string? defaultName = null, bool required = false)
    {
        var option = new Option<string>("--dataset", "-d")
        {
            Description = $"Dataset name ({string.Join(", ", Data.DatasetCatalog.Names)}) or path (image-folder tree, manifest .csv)",
            Required = required,
        };
        if (defaultName is not null) option.DefaultValueFactory = _ => defaultName;
        return option;
    }

    /// <summary><c>--data-root</c> (alias <c>--root</c>): where a named dataset's files are.</summary>
    public static Option<string?> DataRoot() => new("--data-root", "--root")
    {
        Description = "Folder holding the dataset's files (default: its standard place)",
    };

    /// <summary><c>--points</c>: points per cloud of a point-cloud dataset.</summary>
    public static Option<int?> Points() => new("--points")
    {
        Description = "Point clouds: points per cloud (default 1024; the first N of a stored cloud, or N sampled from a mesh)",
    };

    /// <summary><c>--hierarchy</c>: a built-in name or a file.</summary>
    public static Option<string?> Hierarchy() => new("--hierarchy")
    {
        Description = "Hierarchy: a built-in name (fashion-mnist, cifar-100) or a file (.json, .txt, .csv); default: the dataset's own",
    };

    /// <summary><c>--val-fraction</c> (alias <c>--validation-fraction</c>).</summary>
    public static Option<double> ValFraction() => new("--val-fraction", "--validation-fraction")
    {
        Description = "Fraction of the training pool held out for validation", DefaultValueFactory = _ => 0.1,
    };

    /// <summary><c>--seed</c>.</summary>
    public static Option<int> Seed(string description = "Random seed (data order, validation carving, augmentation, initialisation)") =>
        new("--seed") { Description = description, DefaultValueFactory = _ => 0 };

    /// <summary><c>--batch-size</c> (alias <c>--batch</c>), optional: null takes the method's or command's default.</summary>
    public static Option<int?> BatchSize(string description) => new("--batch-size", "--batch") { Description = description };

    /// <summary><c>--split</c>.</summary>
    public static Option<string> Split(string defaultSplit) => new("--split")
    {
        Description = "train | validation | test", DefaultValueFactory = _ => defaultSplit,
    };

    /// <summary><c>--decoding</c>: consistent (the best valid path) everywhere by default.</summary>
    public static Option<string> Decoding() => new("--decoding")
    {
        Description = "consistent (the best valid root-to-leaf path; default) | independent (argmax per level, may contradict the tree)",
        DefaultValueFactory = _ => "consistent",
    };

    /// <summary>Parses the <c>--decoding</c> value.</summary>
    public static Decoding ParseDecoding(ParseResult result, Option<string> option) => DecodingNames.Parse(result.GetValue(option)!);

    /// <summary><c>--json</c>.</summary>
    public static Option<bool> Json(string description = "Print JSON instead of text") => new("--json") { Description = description };

    /// <summary><c>--out, -o</c>.</summary>
    public static Option<string> Out(string description, bool required) => new("--out", "-o") { Description = description, Required = required };

    /// <summary><c>--force</c>.</summary>
    public static Option<bool> Force() => new("--force") { Description = "Overwrite an existing run folder" };

    /// <summary><c>--image-size</c>: the side in pixels the model sees.</summary>
    public static Option<int?> ImageSize(string defaults) => new("--image-size")
    {
        Description = $"Image side in pixels the model sees ({defaults})",
    };

    /// <summary><c>--channels</c>: 1 (grayscale) or 3 (RGB).</summary>
    public static Option<int?> Channels(string defaults) => new("--channels")
    {
        Description = $"Input channels: 1 (grayscale) or 3 (RGB) ({defaults})",
    };

    /// <summary>The default of --image-size on commands that read a dataset (train, data info, data preview).</summary>
    public const string DatasetInputDefaults = "default: the dataset's size, the size all its images share, or 224";

    /// <summary>The default of --channels on commands that read a dataset.</summary>
    public const string DatasetChannelDefaults = "default: the dataset's; 3 for image files";

    /// <summary>
    /// The defaults of --image-size / --channels on commands that read a trained run: the run's stored input; a different
    /// channel count is refused, a different side only where the model accepts one.
    /// </summary>
    public const string RunInputDefaults = "default: the run's, from its config.json; another value is refused where the model cannot take it";

    /// <summary><c>--threads</c>.</summary>
    public static Option<int> Threads() => new("--threads") { Description = "Torch threads (0: libtorch's default)", DefaultValueFactory = _ => 0 };
}
