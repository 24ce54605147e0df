using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>Option definitions more than one command takes, so each reads and is documented the same everywhere.</summary>
internal static class SharedOptions
{
    /// <summary>`--allow-outside-paths`: a manifest may name images by absolute path or outside its folder (`..`).</summary>
    public static Option<bool> AllowOutsidePaths() => new("--allow-outside-paths")
    {
        Description = "Let a manifest .csv name images by absolute path or outside its own folder (..); refused by default",
    };
}
