using System.CommandLine;
using System.Diagnostics;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Bench;

/// <summary>
/// `arbor-bench matmul`: the machine's GEMM rate through TorchSharp in fp32 and bf16 — the ceiling every tower figure is
/// compared against. Shapes are the CLIP towers' own (tokens × width → width, → 4·width) plus a square one.
/// </summary>
internal static class MatmulBench
{
    public static Command Build()
    {
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => 2 };
        var seconds = new Option<double>("--seconds") { Description = "time per shape and precision", DefaultValueFactory = _ => 1.0 };
        var command = new Command("matmul", "fp32 and bf16 matrix-multiply GFLOP/s (the hardware ceiling for the other benchmarks)") { threads, seconds };
        command.SetAction(r =>
        {
            torch.set_num_threads(r.GetValue(threads));
            Console.WriteLine($"threads {torch.get_num_threads()}; native bf16: {CpuBf16.Native} ({CpuBf16.Describe()}); load average {Load.Average()}");
            BenchFigures.Record("threads", torch.get_num_threads());
            BenchFigures.Record("native_bf16", CpuBf16.Native.ToString().ToLowerInvariant());
            Console.WriteLine($"{"shape (m×k → n)",-26} {"fp32 GFLOP/s",13} {"bf16 GFLOP/s",13} {"bf16/fp32",10}");
            foreach (var (name, m, k, n) in Shapes)
            {
                double fp32 = Rate(m, k, n, ScalarType.Float32, r.GetValue(seconds));
                double bf16 = Rate(m, k, n, ScalarType.BFloat16, r.GetValue(seconds));
                Console.WriteLine($"{name,-26} {fp32,13:F1} {bf16,13:F1} {bf16 / fp32,10:F2}");
                BenchFigures.Row("shapes", new() { ["shape"] = name, ["m"] = m, ["k"] = k, ["n"] = n,
                    ["fp32_gflops"] = Math.Round(fp32, 1), ["bf16_gflops"] = Math.Round(bf16, 1) });
            }
            Console.WriteLine($"load average after: {Load.Average()}");
            return 0;
        });
        return command;
    }

    /// <summary>ViT-B/16 image tower at batch 8 (1576 tokens, 768 wide), text tower at batch 64 (4928 tokens, 512 wide), square.</summary>
    static readonly (string Name, long M, long K, long N)[] Shapes =
    [
        ("image linear 1576×768→768", 8 * 197, 768, 768),
        ("image fc1 1576×768→3072", 8 * 197, 768, 3072),
        ("text linear 4928×512→512", 64 * 77, 512, 512),
        ("text fc1 4928×512→2048", 64 * 77, 512, 2048),
        ("square 2048", 2048, 2048, 2048),
    ];

    /// <summary>Best-of GFLOP/s of <c>linear(x, w)</c> ([m,k]·[n,k]ᵀ, as the towers call it) over about <paramref name="seconds"/>.</summary>
    public static double Rate(long m, long k, long n, ScalarType type, double seconds = 1.0)
    {
        using var mode = torch.inference_mode();
        using var x = torch.randn(m, k).to(type);
        using var w = torch.randn(n, k).to(type);
        nn.functional.linear(x, w).Dispose();
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 3 || total.Elapsed.TotalSeconds < seconds)
        {
            var one = Stopwatch.StartNew();
            nn.functional.linear(x, w).Dispose();
            best = Math.Min(best, one.Elapsed.TotalSeconds);
            calls++;
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}

/// <summary>The machine's load, printed next to every figure (the bench machine is usually shared).</summary>
internal static class Load
{
    public static string Average() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
