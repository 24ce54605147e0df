using System.CommandLine;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>
/// `--precision fp32|bf16|auto`, shared by the commands that run frozen towers (train, eval, predict, zeroshot, clip embed).
/// Which parts it touches is in docs/precision.md; what auto chose is said on standard error.
/// </summary>
internal static class PrecisionOption
{
    /// <param name="defaultMeaning">What an absent option means, for the help text ("fp32", or "the run's").</param>
    public static Option<string?> Create(string defaultMeaning = "fp32") => new("--precision")
    {
        Description = "Frozen towers compute in fp32 | bf16 | auto (bf16 where the CPU runs it natively: AVX512-BF16 or AMX; " +
                      $"trainable parts and the loss stay fp32; default {defaultMeaning}; see docs/precision.md)",
    };

    /// <summary>The option's text (null when absent), checked so a typo fails before anything is loaded.</summary>
    public static string? Get(ParseResult result, Option<string?> option)
    {
        var text = result.GetValue(option);
        if (text is not null) ComputePrecision.Resolve(text);
        return text;
    }

    /// <summary>The resolved precision of a command that loads a CLIP folder itself; says on standard error what ran.</summary>
    public static PrecisionChoice Resolve(ParseResult result, Option<string?> option)
    {
        var choice = ComputePrecision.Resolve(result.GetValue(option));
        if (result.GetValue(option) is not null) CommandOutput.Progress(result).Line(choice.ToString());
        return choice;
    }
}
