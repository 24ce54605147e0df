using System.CommandLine;
using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Cli.Commands;

/// <summary>`--device cpu|cuda|cuda:N`, shared by the commands that run a model (train, eval, predict).</summary>
internal static class DeviceOption
{
    public static Option<string> Create() => new("--device")
    {
        Description = "Where the model computes: cpu | cuda | cuda:N (a GPU needs a CUDA build of TorchSharp; see docs/library.md)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The parsed, checked device; a bad name or a missing GPU is a one-line user error.</summary>
    public static Device Get(ParseResult result, Option<string> option) => ComputeDevice.Parse(result.GetValue(option)!);
}
