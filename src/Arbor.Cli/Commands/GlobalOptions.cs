using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>Options every command takes (recursive options of the root command).</summary>
internal static class GlobalOptions
{
    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Print only results, warnings and errors (no progress)", Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Also print details (timings, files written)", Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Quiet);
        root.Options.Add(Verbose);
    }
}
