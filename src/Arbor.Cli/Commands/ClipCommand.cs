using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>`arbor clip`.</summary>
internal static class ClipCommand
{
    public static Command Build()
    {
        var command = new Command("clip", "CLIP models: embeddings and similarity. (not implemented yet)");
        command.SetAction(result => { CommandOutput.Err(result).WriteLine("error: 'arbor clip' is not implemented yet"); return 3; });
        return command;
    }
}
