using System.CommandLine;
using System.Reflection;
using Arbor.Cli.Commands;

namespace Arbor.Cli;

/// <summary>The `arbor` command tree. Each command group lives in its own file under Commands/.</summary>
public static class ArborCli
{
    /// <summary>
    /// Builds the root command with every subcommand. The root is a command named "arbor" rather than a RootCommand, whose
    /// name is the entry assembly's ("Arbor.Cli") and would make every usage line wrong; it gets --help and --version as a
    /// RootCommand would.
    /// </summary>
    public static Command Build()
    {
        var root = new Command("arbor", "Arbor — hierarchical visual recognition: a label at every level of a taxonomy.\n\n" +
            "Exit codes: 0 done, 1 reading or writing failed (permission, disk full), 2 bad input or usage, " +
            "70 internal error (the trace goes to a crash log the message names), 130 interrupted.");
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(GlobalOptions.Verbose);
        root.Options.Add(GlobalOptions.Quiet);
        root.Subcommands.Add(HierarchyCommand.Build());
        root.Subcommands.Add(DataCommand.Build());
        root.Subcommands.Add(ClipCommand.Build());
        root.Subcommands.Add(ZeroShotCommand.Build());
        root.Subcommands.Add(TrainCommand.Build());
        root.Subcommands.Add(EvalCommand.Build());
        root.Subcommands.Add(PredictCommand.Build());
        root.Subcommands.Add(ReportCommand.Build());
        root.Subcommands.Add(CompareCommand.Build());
        root.Subcommands.Add(ReproduceCommand.Build());
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(BenchCommand.Build());
        root.Subcommands.Add(DistributedCommand.Build());
        return root;
    }

    /// <summary>True for the commands whose cost is tensor arithmetic: they load libtorch (and run under jemalloc,
    /// <see cref="AllocatorRelaunch"/>); the rest start faster without either.</summary>
    internal static bool Computes(string[] args) =>
        args.Length > 0 && args[0] is "train" or "reproduce" or "eval" or "predict" or "zeroshot" or "clip" or "demo" or "bench";

    /// <summary>
    /// Parses and runs <paramref name="args"/>; returns the process exit code (see <see cref="ExitCodes"/>). This is the
    /// CLI's last line of defence: every failure ends as one line "error: …" on standard error. Expected failures
    /// (bad input, I/O, Ctrl-C) get their own codes; anything else is a bug in Arbor: its full trace goes to a crash log
    /// whose path the line names (or to standard error under --verbose) and the exit code is 70.
    /// </summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        NativeMemoryTuning.Apply();
        // Commands that run convolutions: keep libtorch's NNPACK warnings off the terminal (loads libtorch, so not for the rest).
        if (Computes(args)) NativeLogging.SilenceNnpack();
        output ??= Console.Out;
        error ??= Console.Error;
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        ParseResult? parsed = null;
        try
        {
            parsed = Build().Parse(args);
            if (parsed.GetValue(GlobalOptions.Quiet) && parsed.GetValue(GlobalOptions.Verbose))
                throw new ArborException("--quiet and --verbose exclude each other");
            int code = parsed.Invoke(config);
            // System.CommandLine reports a usage error with 1, which Arbor keeps for I/O failures.
            return parsed.Errors.Count > 0 && code == 1 ? ExitCodes.BadInput : code;
        }
        catch (Exception e)
        {
            bool verbose = parsed?.GetValue(GlobalOptions.Verbose) ?? args.Contains(GlobalOptions.Verbose.Name);
            return Report(e, error, verbose);
        }
    }

    /// <summary>Prints one line for <paramref name="e"/> and returns its exit code.</summary>
    internal static int Report(Exception e, TextWriter error, bool verbose, string? crashFolder = null)
    {
        var cause = Unwrap(e);
        var (code, message) = Classify(cause);
        if (code != ExitCodes.InternalError)
        {
            error.WriteLine($"error: {message}");
            if (verbose) error.WriteLine(e);
            return code;
        }
        var summary = $"internal error: {cause.GetType().Name}: {OneLine(cause.Message)}";
        if (verbose)
        {
            error.WriteLine($"error: {summary}");
            error.WriteLine(e);
            return code;
        }
        var log = CrashLog.TryWrite(e, crashFolder ?? CrashLog.Folder);
        error.WriteLine(log is null
            ? $"error: {summary} (run again with --verbose for the full trace)"
            : $"error: {summary} (full trace in {log}; please report it)");
        return code;
    }

    /// <summary>The exception that says what went wrong, under reflection and single-task wrappers.</summary>
    static Exception Unwrap(Exception e)
    {
        while (true)
        {
            if (e is TargetInvocationException { InnerException: { } inner }) e = inner;
            else if (e is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) e = aggregate.InnerExceptions[0];
            else if (e is TypeInitializationException { InnerException: ArborException arbor }) e = arbor;
            else return e;
        }
    }

    static (int Code, string Message) Classify(Exception e) => e switch
    {
        // A file that could not be written or read (disk full, read-only, permission) is an I/O failure, not bad input.
        ArborException { InnerException: IOException and not (FileNotFoundException or DirectoryNotFoundException or EndOfStreamException)
            or UnauthorizedAccessException } => (ExitCodes.IOError, e.Message),
        ArborException => (ExitCodes.BadInput, e.Message),
        FileNotFoundException f => (ExitCodes.BadInput,
            f.FileName is { } name && !f.Message.Contains(name) ? $"{name}: {f.Message}" : f.Message),
        DirectoryNotFoundException or InvalidDataException => (ExitCodes.BadInput, e.Message),
        EndOfStreamException => (ExitCodes.BadInput, $"a file ends early: {e.Message}"),
        OperationCanceledException => (ExitCodes.Interrupted, "cancelled"),
        IOException or UnauthorizedAccessException => (ExitCodes.IOError, OneLine(e.Message)),
        _ => (ExitCodes.InternalError, e.Message),
    };

    static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}

/// <summary>Exit codes of the `arbor` command (documented in docs/input-policies.md and in `arbor --help`).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Reading or writing failed: permission denied, disk full, a device error.</summary>
    public const int IOError = 1;
    /// <summary>Bad input: a malformed or missing file, an unknown name, a bad option.</summary>
    public const int BadInput = 2;
    /// <summary>A bug in Arbor (an unexpected exception); the trace is in a crash log (EX_SOFTWARE of sysexits.h).</summary>
    public const int InternalError = 70;
    /// <summary>Stopped by Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}

/// <summary>Options every command takes.</summary>
public static class GlobalOptions
{
    /// <summary>`--verbose`: print full traces of errors (and, for commands that have them, more details).</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print more detail, including the full trace of an error",
        Recursive = true,
    };

    /// <summary>`--quiet`: print only results, warnings and errors (no progress).</summary>
    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Print only results, warnings and errors (no progress)",
        Recursive = true,
    };
}

/// <summary>Writes the full trace of an unexpected exception to a file the user can attach to a bug report.</summary>
internal static class CrashLog
{
    /// <summary>The folder crash logs go to: $ARBOR_CRASH_DIR, else arbor/ under the temporary folder.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable("ARBOR_CRASH_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "arbor");

    /// <summary>The log's path, or null when even that cannot be written (the caller then suggests --verbose).</summary>
    public static string? TryWrite(Exception e, string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, $"crash-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}.log");
            File.WriteAllText(path,
                $"arbor {typeof(ArborCli).Assembly.GetName().Version} crashed at {DateTime.UtcNow:O}\n" +
                $"command line: {Environment.CommandLine}\n" +
                $"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}\n\n" +
                e + "\n");
            return path;
        }
        catch (Exception)
        {
            return null;
        }
    }
}
