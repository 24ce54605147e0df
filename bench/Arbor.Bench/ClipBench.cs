using System.CommandLine;

namespace Arbor.Bench;

/// <summary>`arbor-bench clip`.</summary>
internal static class ClipBench
{
    public static Command Build()
    {
        var command = new Command("clip", "(not implemented yet)");
        command.SetAction(_ => { Console.Error.WriteLine("error: benchmark 'clip' is not implemented yet"); return 3; });
        return command;
    }
}
