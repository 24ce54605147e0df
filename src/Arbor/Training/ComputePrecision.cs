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
/// Parses <c>--precision fp32|bf16|auto</c> and decides <c>auto</c>: bf16 only where the CPU executes bfloat16 natively
/// (AVX512-BF16 or AMX-BF16, read from CPUID), so auto never lands on libtorch's emulated bf16 path, which is slower than
/// fp32. The environment variable <c>ARBOR_CPU_BF16=0|1</c> overrides the detection (tests force both answers).
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
        Resolve(text, device, CpuBf16.Native, CpuBf16.Describe());

    /// <summary>As <see cref="Resolve(string?, Device?)"/> with the CPU's answer given (<paramref name="how"/> says where it came from).</summary>
    internal static PrecisionChoice Resolve(string? text, Device? device, bool nativeBf16, string how)
    {
        var t = (text ?? "fp32").Trim().ToLowerInvariant();
        switch (t)
        {
            case "fp32" or "float32": return PrecisionChoice.Fp32;
            case "bf16" or "bfloat16":
                return new(Precision.Bf16, "bf16", nativeBf16 || device is { type: not DeviceType.CPU }
                    ? "bf16 was asked for"
                    : $"bf16 was asked for, but this CPU has no native bf16 ({how}): libtorch emulates it, slower than fp32");
            case "auto":
                if (device is { type: not DeviceType.CPU })
                    return new(Precision.Fp32, "auto", $"auto detects CPUs only; on {device.type} give --precision bf16 to use it");
                return nativeBf16
                    ? new(Precision.Bf16, "auto", $"the CPU runs bf16 natively: {how}")
                    : new(Precision.Fp32, "auto", $"the CPU has no native bf16: {how}");
            default:
                throw new ArborException($"--precision: '{text}' is not a precision; use {string.Join(", ", Names)}");
        }
    }
}

/// <summary>Whether this CPU executes bfloat16 arithmetic in hardware, from CPUID (x86) or <c>ARBOR_CPU_BF16</c>.</summary>
public static class CpuBf16
{
    /// <summary>AVX512_BF16 (CPUID leaf 7 subleaf 1, EAX bit 5) and AMX-BF16 (leaf 7 subleaf 0, EDX bit 22).</summary>
    public readonly record struct Features(bool Avx512Bf16, bool AmxBf16, bool Avx512Enabled);

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
    /// True when bf16 matmuls run in hardware here: <c>ARBOR_CPU_BF16</c> = 1/0 if set, else AVX512-BF16 or AMX-BF16
    /// with AVX-512 state enabled by the OS.
    /// </summary>
    public static bool Native => Forced ?? FromCpu(Detect());

    static bool FromCpu(Features f) => f.Avx512Enabled && (f.Avx512Bf16 || f.AmxBf16);

    static bool? Forced => Environment.GetEnvironmentVariable(ComputePrecision.OverrideVariable)?.Trim() switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        null or "" => null,
        var other => throw new ArborException($"{ComputePrecision.OverrideVariable}={other}: use 1 (native bf16) or 0 (none)"),
    };

    /// <summary>A short account of the detection, e.g. "AVX512-BF16 (CPUID)" or "ARBOR_CPU_BF16=0".</summary>
    public static string Describe()
    {
        if (Forced is bool forced) return $"{ComputePrecision.OverrideVariable}={(forced ? 1 : 0)}";
        var f = Detect();
        var found = new List<string>();
        if (f.Avx512Bf16) found.Add("AVX512-BF16");
        if (f.AmxBf16) found.Add("AMX-BF16");
        if (found.Count == 0) return "CPUID shows neither AVX512-BF16 nor AMX-BF16";
        return string.Join(" + ", found) + (f.Avx512Enabled ? " (CPUID)" : " in CPUID, but the OS has not enabled AVX-512 state");
    }
}
