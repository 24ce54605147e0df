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

    /// <summary>The command as typed, for the run's log and report: "arbor" and the arguments, quoted where needed.</summary>
    public static string CommandLine(ParseResult result) =>
        "arbor " + string.Join(" ", result.Tokens.Select(t => t.Value).Select(Quote));

    static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}
