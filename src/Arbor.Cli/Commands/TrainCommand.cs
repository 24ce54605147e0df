using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor train`.</summary>
internal static class TrainCommand
{
    public static Command Build()
    {
        var command = new Command("train", "Train a method on a dataset. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor train' is not implemented yet"); return 3; });
        return command;
    }
}
