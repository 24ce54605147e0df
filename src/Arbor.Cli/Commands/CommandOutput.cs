using System.CommandLine;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>Small helpers shared by commands: where to write, and whether a person is watching.</summary>
internal static class CommandOutput
{
    /// <summary>Standard output of this invocation (a test may redirect it).</summary>
    public static TextWriter Out(ParseResult result) => result.InvocationConfiguration.Output;

    /// <summary>Standard error of this invocation.</summary>
    public static TextWriter Err(ParseResult result) => result.InvocationConfiguration.Error;

    /// <summary>True when progress goes to a terminal (progress bars), false when redirected (plain lines).</summary>
    public static bool IsInteractive(ParseResult result) =>
        ReferenceEquals(result.InvocationConfiguration.Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>`--quiet`, `--verbose` or neither.</summary>
    public static Verbosity Verbosity(ParseResult result)
    {
        bool quiet = result.GetValue(GlobalOptions.Quiet), verbose = result.GetValue(GlobalOptions.Verbose);
        if (quiet && verbose) throw new ArborException("--quiet and --verbose exclude each other");
        return quiet ? Training.Verbosity.Quiet : verbose ? Training.Verbosity.Verbose : Training.Verbosity.Normal;
    }

    /// <summary>
    /// The progress reporter of this invocation: on standard error (standard output carries only results, so `--json`
    /// stays parseable), redrawn on a terminal, plain lines when redirected, at the chosen verbosity.
    /// </summary>
    public static ProgressReporter Progress(ParseResult result) => new(Err(result), IsInteractive(result), Verbosity(result));

    /// <summary>The command as typed, for the run's log and report: "arbor" and the arguments, quoted where needed.</summary>
    public static string CommandLine(ParseResult result) =>
        "arbor " + string.Join(" ", result.Tokens.Select(t => t.Value).Select(Quote));

    static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}
