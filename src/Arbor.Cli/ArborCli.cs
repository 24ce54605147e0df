using System.CommandLine;
using Arbor.Cli.Commands;

namespace Arbor.Cli;

/// <summary>The `arbor` command tree. Each command group lives in its own file under Commands/.</summary>
public static class ArborCli
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Arbor — hierarchical visual recognition: a label at every level of a taxonomy.");
        GlobalOptions.AddTo(root);
        root.Subcommands.Add(HierarchyCommand.Build());
        root.Subcommands.Add(DataCommand.Build());
        root.Subcommands.Add(ClipCommand.Build());
        root.Subcommands.Add(ZeroShotCommand.Build());
        root.Subcommands.Add(TrainCommand.Build());
        root.Subcommands.Add(EvalCommand.Build());
        root.Subcommands.Add(PredictCommand.Build());
        root.Subcommands.Add(ReportCommand.Build());
        root.Subcommands.Add(CompareCommand.Build());
        root.Subcommands.Add(DemoCommand.Build());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. User errors (<see cref="ArborException"/>, missing files, malformed data)
    /// print one line "error: …" on standard error and return 2; parse errors return 1 as System.CommandLine does.
    /// </summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        NativeMemoryTuning.Apply();
        output ??= Console.Out;
        error ??= Console.Error;
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return Build().Parse(args).Invoke(config);
        }
        catch (Exception e) when (UserError(e) is { } message)
        {
            error.WriteLine($"error: {message}");
            return 2;
        }
    }

    static string? UserError(Exception e) => e switch
    {
        ArborException => e.Message,
        FileNotFoundException f => f.FileName is { } name && !f.Message.Contains(name) ? $"{name}: {f.Message}" : f.Message,
        DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException => e.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };
}
