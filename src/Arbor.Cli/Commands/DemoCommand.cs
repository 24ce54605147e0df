using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor demo`.</summary>
internal static class DemoCommand
{
    public static Command Build()
    {
        var command = new Command("demo", "Train the best hierarchical method on the embedded Fashion-MNIST subset and print a per-level table. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor demo' is not implemented yet"); return 3; });
        return command;
    }
}
