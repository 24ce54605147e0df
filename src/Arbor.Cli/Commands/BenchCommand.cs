using System.CommandLine;
using System.CommandLine.Invocation;
using Arbor.Bench;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor bench matmul|data|train|clip|hgclip|tokenizer`: the benchmarks (throughput, time per stage, memory). The measuring code
/// lives in Bench/ and is shared with the bench/Arbor.Bench project, which stays a thin wrapper around it.
/// </summary>
internal static class BenchCommand
{
    public static Command Build()
    {
        var command = new Command("bench", "Benchmarks: loader, training-step, CLIP-tower, HGCLIP-stage and tokenizer throughput " +
            "and memory. Build in Release (./arbor does); other work on the machine skews the numbers (the load average is printed).");
        foreach (var sub in new[] { MatmulBench.Build(), DataBench.Build(), TrainBench.Build(), ClipBench.Build(), HgclipBench.Build(), TokenizerBench.Build() })
        {
            PrintToInvocationOutput(sub);
            command.Subcommands.Add(sub);
        }
        return command;
    }

    /// <summary>
    /// The benchmarks print with Console.WriteLine (they also run as their own program); under `arbor` their lines go to this
    /// invocation's standard output instead, so a caller that captures it (a test, a script host) gets them.
    /// </summary>
    static void PrintToInvocationOutput(Command command)
    {
        if (command.Action is not SynchronousCommandLineAction inner) return;
        command.SetAction(result =>
        {
            var output = CommandOutput.Out(result);
            if (ReferenceEquals(output, Console.Out)) return inner.Invoke(result);
            var previous = Console.Out;
            Console.SetOut(output);
            try { return inner.Invoke(result); }
            finally { Console.SetOut(previous); }
        });
    }
}
