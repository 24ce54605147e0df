using System.CommandLine;

namespace Arbor.Bench;

/// <summary>`arbor-bench train`.</summary>
internal static class TrainBench
{
    public static Command Build()
    {
        var command = new Command("train", "(not implemented yet)");
        command.SetAction(_ => { Console.Error.WriteLine("error: benchmark 'train' is not implemented yet"); return 3; });
        return command;
    }
}
