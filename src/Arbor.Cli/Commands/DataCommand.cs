using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor data`.</summary>
internal static class DataCommand
{
    public static Command Build()
    {
        var command = new Command("data", "Inspect datasets. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor data' is not implemented yet"); return 3; });
        return command;
    }
}
