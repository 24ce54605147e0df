using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor hierarchy`.</summary>
internal static class HierarchyCommand
{
    public static Command Build()
    {
        var command = new Command("hierarchy", "Show and check class hierarchies. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor hierarchy' is not implemented yet"); return 3; });
        return command;
    }
}
