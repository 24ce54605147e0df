using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>Small helpers shared by commands: where to write, and whether a person is watching.</summary>
internal static class CommandOutput
{
    /// <summary>Standard output of this invocation (a test may redirect it).</summary>
    public static TextWriter Out(ParseResult result) => result.InvocationConfiguration.Output;

    /// <summary>Standard error of this invocation.</summary>
    public static TextWriter Err(ParseResult result) => result.InvocationConfiguration.Error;

    /// <summary>True when output goes to a terminal (progress bars), false when redirected (plain lines).</summary>
    public static bool IsInteractive(ParseResult result) =>
        ReferenceEquals(result.InvocationConfiguration.Output, Console.Out) && !Console.IsOutputRedirected;
}
