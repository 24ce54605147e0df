using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor zeroshot`.</summary>
internal static class ZeroShotCommand
{
    public static Command Build()
    {
        var command = new Command("zeroshot", "CLIP zero-shot classification at every level. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor zeroshot' is not implemented yet"); return 3; });
        return command;
    }
}
