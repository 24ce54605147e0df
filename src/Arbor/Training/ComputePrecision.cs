using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Training;

/// <summary>The number format frozen towers compute in; trainable parts, optimiser state and losses are always fp32.</summary>
public enum Precision
{
    /// <summary>32-bit floats everywhere (the default).</summary>
    Fp32,
    /// <summary>Frozen towers and backbones in bfloat16 (8-bit exponent, 8-bit mantissa), their outputs back in fp32.</summary>
    Bf16,
}

/// <summary>A resolved <c>--precision</c>: what runs, what was asked for, and why (so <c>auto</c> can say what it chose).</summary>
public sealed record PrecisionChoice(Precision Precision, string Requested, string Reason)
{
    public static PrecisionChoice Fp32 { get; } = new(Precision.Fp32, "fp32", "fp32 was asked for");

    /// <summary>The dtype frozen weights and their activations are kept in.</summary>
    public ScalarType FrozenType => Precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>"fp32" or "bf16", as config.json and the CLI spell it.</summary>
    public string Name => ComputePrecision.NameOf(Precision);

    /// <summary>One line for progress output: "precision bf16 (auto: …)".</summary>
    public override string ToString() => $"precision {Name} ({(Requested == Name ? "" : Requested + ": ")}{Reason})";
}

/// <summary>
/// Parses <c>--precision fp32|bf16|auto</c> and decides <c>auto</c>: bf16 only where it is faster here — the CPU has
/// bfloat16 instructions (AVX512-BF16 or AMX-BF16, from CPUID) <em>and</em> a bf16 matrix multiply measured in this
/// process beats fp32 (see <see cref="CpuBf16"/>). The instructions alone are not enough: on a CPU with AVX512-BF16 but
/// no AMX (an Emerald Rapids guest that hides AMX, for one) libtorch's bf16 GEMM runs at half its fp32 rate. The
/// environment variable <c>ARBOR_CPU_BF16=0|1</c> overrides the detection (tests force both answers).
/// </summary>
public static class ComputePrecision
{
    /// <summary>Environment variable that forces the detection result: 1 = native bf16, 0 = none.</summary>
    public const string OverrideVariable = "ARBOR_CPU_BF16";

    /// <summary>The names <c>--precision</c> accepts.</summary>
    public static readonly string[] Names = ["fp32", "bf16", "auto"];

    public static string NameOf(Precision p) => p == Precision.Bf16 ? "bf16" : "fp32";

    /// <summary>
    /// Resolves a <c>--precision</c> value (null = fp32) for a model on <paramref name="device"/> (null = CPU). An unknown
    /// name is an <see cref="ArborException"/> listing the valid ones.
    /// </summary>
    public static PrecisionChoice Resolve(string? text, Device? device = null) =>
        Resolve(text, device, () => (CpuBf16.Native, CpuBf16.Describe()));

    /// <summary>As <see cref="Resolve(string?, Device?)"/> with the CPU's answer given (<paramref name="how"/> says where it came from).</summary>
    internal static PrecisionChoice Resolve(string? text, Device? device, bool nativeBf16, string how) =>
        Resolve(text, device, () => (nativeBf16, how));

    /// <summary>The CPU is asked (which may time a matmul) only when the answer matters: for bf16 and auto on a CPU.</summary>
    static PrecisionChoice Resolve(string? text, Device? device, Func<(bool Native, string How)> cpu)
    {
        var t = (text ?? "fp32").Trim().ToLowerInvariant();
        switch (t)
        {
            case "fp32" or "float32": return PrecisionChoice.Fp32;
            case "bf16" or "bfloat16":
            {
                if (device is { type: not DeviceType.CPU }) return new(Precision.Bf16, "bf16", "bf16 was asked for");
                var (native, how) = cpu();
                return new(Precision.Bf16, "bf16", native
                    ? "bf16 was asked for"
                    : $"bf16 was asked for, but it is slower than fp32 on this CPU ({how})");
            }
            case "auto":
            {
                if (device is { type: not DeviceType.CPU })
                    return new(Precision.Fp32, "auto", $"auto detects CPUs only; on {device.type} give --precision bf16 to use it");
                var (native, how) = cpu();
                return native
                    ? new(Precision.Bf16, "auto", $"bf16 is faster than fp32 on this CPU: {how}")
                    : new(Precision.Fp32, "auto", $"bf16 would not be faster on this CPU: {how}");
            }
            default:
                throw new ArborException($"--precision: '{text}' is not a precision; use {string.Join(", ", Names)}");
        }
    }
}

/// <summary>
/// Whether bfloat16 pays here: the CPU has the instructions (CPUID) and libtorch's bf16 matmul, timed once per process
/// against fp32, is at least <see cref="RequiredSpeedup"/> times faster. <c>ARBOR_CPU_BF16</c> overrides both.
/// </summary>
public static class CpuBf16
{
    /// <summary>AVX512_BF16 (CPUID leaf 7 subleaf 1, EAX bit 5) and AMX-BF16 (leaf 7 subleaf 0, EDX bit 22).</summary>
    public readonly record struct Features(bool Avx512Bf16, bool AmxBf16, bool Avx512Enabled);

    /// <summary>The bf16/fp32 GEMM speed ratio below which bf16 is not worth its rounding (the towers are not all GEMM).</summary>
    public const double RequiredSpeedup = 1.2;

    /// <summary>What CPUID reports (all false on non-x86 processors).</summary>
    public static Features Detect()
    {
        if (!X86Base.IsSupported) return default;
        var (maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
        if (maxLeaf < 7) return default;
        var (maxSubleaf, _, _, edx0) = X86Base.CpuId(7, 0);
        bool amx = (edx0 & (1 << 22)) != 0;
        bool avx512Bf16 = false;
        if (maxSubleaf >= 1)
        {
            var (eax1, _, _, _) = X86Base.CpuId(7, 1);
            avx512Bf16 = (eax1 & (1 << 5)) != 0;
        }
        // The instructions need the OS to save AVX-512 state; .NET checks XCR0 for Avx512F.IsSupported.
        return new Features(avx512Bf16, amx, Avx512F.IsSupported);
    }

    /// <summary>
    /// True when bf16 is faster here: <c>ARBOR_CPU_BF16</c> = 1/0 if set, else bf16 instructions in CPUID (with AVX-512
    /// state enabled by the OS) and a measured bf16 GEMM at least <see cref="RequiredSpeedup"/>× the fp32 one.
    /// </summary>
    public static bool Native => Forced ?? (HasInstructions(Detect()) && MeasuredSpeedup >= RequiredSpeedup);

    static bool HasInstructions(Features f) => f.Avx512Enabled && (f.Avx512Bf16 || f.AmxBf16);

    static readonly Lazy<double> speedup = new(MeasureSpeedup);

    /// <summary>bf16 GEMM rate over fp32 GEMM rate, measured once per process (about a quarter of a second).</summary>
    public static double MeasuredSpeedup => speedup.Value;

    /// <summary>
    /// Best-of-5 time of a 1024×1024 by 1024×1024 <c>linear</c> in each precision at the current thread count, after a
    /// warm-up call (which also builds libtorch's kernels). Best-of, because a busy machine only ever slows a call down.
    /// </summary>
    static double MeasureSpeedup()
    {
        using var mode = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        double Best(ScalarType type)
        {
            var x = torch.randn(1024, 1024).to(type);
            var w = torch.randn(1024, 1024).to(type);
            torch.nn.functional.linear(x, w).Dispose();
            double best = double.MaxValue;
            for (int i = 0; i < 5; i++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                torch.nn.functional.linear(x, w).Dispose();
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            return best;
        }
        double fp32 = Best(ScalarType.Float32);
        double bf16 = Best(ScalarType.BFloat16);
        return fp32 / bf16;
    }

    static bool? Forced => Environment.GetEnvironmentVariable(ComputePrecision.OverrideVariable)?.Trim() switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        null or "" => null,
        var other => throw new ArborException($"{ComputePrecision.OverrideVariable}={other}: use 1 (native bf16) or 0 (none)"),
    };

    /// <summary>
    /// A short account of the detection, e.g. "AVX512-BF16 (CPUID); bf16 matmul 0.52× fp32 here" or "ARBOR_CPU_BF16=0".
    /// </summary>
    public static string Describe()
    {
        if (Forced is bool forced) return $"{ComputePrecision.OverrideVariable}={(forced ? 1 : 0)}";
        var f = Detect();
        var found = new List<string>();
        if (f.Avx512Bf16) found.Add("AVX512-BF16");
        if (f.AmxBf16) found.Add("AMX-BF16");
        if (found.Count == 0) return "CPUID shows neither AVX512-BF16 nor AMX-BF16";
        if (!f.Avx512Enabled) return string.Join(" + ", found) + " in CPUID, but the OS has not enabled AVX-512 state";
        return $"{string.Join(" + ", found)} (CPUID); a bf16 matmul runs at {MeasuredSpeedup:F2}× fp32 here";
    }
}
