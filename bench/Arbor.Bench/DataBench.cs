using System.CommandLine;

namespace Arbor.Bench;

/// <summary>`arbor-bench data`.</summary>
internal static class DataBench
{
    public static Command Build()
    {
        var command = new Command("data", "(not implemented yet)");
        command.SetAction(_ => { Console.Error.WriteLine("error: benchmark 'data' is not implemented yet"); return 3; });
        return command;
    }
}
