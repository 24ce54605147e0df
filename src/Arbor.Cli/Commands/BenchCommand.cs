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
    /// invocation's standard output instead, so a caller that captures it (a test, a script host) gets them. With --json the
    /// lines for people go to standard error and standard output gets one JSON document of the recorded figures.
    /// </summary>
    static void PrintToInvocationOutput(Command command)
    {
        if (command.Action is not SynchronousCommandLineAction inner) return;
        var json = SharedOptions.Json("Print the measured figures as one JSON document on standard output (the text goes to standard error)");
        command.Options.Add(json);
        command.SetAction(result =>
        {
            bool asJson = result.GetValue(json);
            var output = CommandOutput.Out(result);
            var text = asJson ? CommandOutput.Err(result) : output;
            using var figures = BenchFigures.Open(command.Name);
            int code;
            if (ReferenceEquals(text, Console.Out)) code = inner.Invoke(result);
            else
            {
                var previous = Console.Out;
                Console.SetOut(text);
                try { code = inner.Invoke(result); }
                finally { Console.SetOut(previous); }
            }
            if (asJson && code == 0) output.WriteLine(figures.ToJson());
            return code;
        });
    }
}
