using System.CommandLine;
using Arbor.Training;

namespace Arbor.Bench;

/// <summary>`--precision fp32|bf16|auto` for the benchmarks (the CLI's meaning: auto = bf16 where the CPU runs it natively).</summary>
internal static class PrecisionOption
{
    public static Option<string> Create() => new("--precision")
    {
        Description = "fp32 | bf16 | auto (frozen towers in bf16 where the CPU runs it natively)",
        DefaultValueFactory = _ => "fp32",
    };

    public static PrecisionChoice Get(ParseResult result, Option<string> option) => ComputePrecision.Resolve(result.GetValue(option));
}
