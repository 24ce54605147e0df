using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor eval`.</summary>
internal static class EvalCommand
{
    public static Command Build()
    {
        var command = new Command("eval", "Evaluate a trained run. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor eval' is not implemented yet"); return 3; });
        return command;
    }
}
