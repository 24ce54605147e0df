using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor predict`.</summary>
internal static class PredictCommand
{
    public static Command Build()
    {
        var command = new Command("predict", "Label images at every level with a trained run. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor predict' is not implemented yet"); return 3; });
        return command;
    }
}
