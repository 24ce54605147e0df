using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor bench`.</summary>
internal static class BenchCommand
{
    public static Command Build()
    {
        var command = new Command("bench", "Benchmarks: throughput and memory. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor bench' is not implemented yet"); return 3; });
        return command;
    }
}
