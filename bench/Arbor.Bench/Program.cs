using System.CommandLine;
using Arbor.Bench;

// Benchmarks: run with `dotnet run -c Release --project bench/Arbor.Bench -- <benchmark> [options]`.
Arbor.NativeMemoryTuning.Apply();
var root = new RootCommand("Arbor benchmarks: throughput and memory. Build with -c Release.");
root.Subcommands.Add(MatmulBench.Build());
root.Subcommands.Add(DataBench.Build());
root.Subcommands.Add(ClipBench.Build());
root.Subcommands.Add(TrainBench.Build());
root.Subcommands.Add(HgclipBench.Build());
root.Subcommands.Add(TokenizerBench.Build());
return root.Parse(args).Invoke();
