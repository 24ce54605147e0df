using System.CommandLine;

namespace Arbor.Bench;

/// <summary>`arbor-bench hgclip`.</summary>
internal static class HgclipBench
{
    public static Command Build()
    {
        var command = new Command("hgclip", "(not implemented yet)");
        command.SetAction(_ => { Console.Error.WriteLine("error: benchmark 'hgclip' is not implemented yet"); return 3; });
        return command;
    }
}
