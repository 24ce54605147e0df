using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Tests.Precision;

/// <summary>`--precision fp32|bf16|auto`: auto takes bf16 only where the CPU runs it natively.</summary>
public class ComputePrecisionTests
{
    [Theory]
    [InlineData("fp32", true, Arbor.Training.Precision.Fp32)]
    [InlineData("bf16", false, Arbor.Training.Precision.Bf16)]   // asked for: honoured, with a warning in the reason
    [InlineData("auto", true, Arbor.Training.Precision.Bf16)]
    [InlineData("auto", false, Arbor.Training.Precision.Fp32)]
    [InlineData(" AUTO ", false, Arbor.Training.Precision.Fp32)]
    [InlineData(null, true, Arbor.Training.Precision.Fp32)]      // nothing asked: fp32
    public void ResolvesByTheCpusAnswer(string? text, bool native, Arbor.Training.Precision expected)
    {
        var choice = ComputePrecision.Resolve(text, null, native, "test CPU");
        Assert.Equal(expected, choice.Precision);
        Assert.Equal(expected == Arbor.Training.Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32, choice.FrozenType);
    }

    [Fact]
    public void AutoSaysWhatItChoseAndWhy()
    {
        var without = ComputePrecision.Resolve("auto", null, false, "test CPU");
        Assert.Equal("precision fp32 (auto: bf16 would not be faster on this CPU: test CPU)", without.ToString());
        var with = ComputePrecision.Resolve("auto", null, true, "test CPU");
        Assert.Equal("precision bf16 (auto: bf16 is faster than fp32 on this CPU: test CPU)", with.ToString());
        Assert.Contains("slower than fp32", ComputePrecision.Resolve("bf16", null, false, "test CPU").Reason);
    }

    [Fact]
    public void AutoNeedsTheInstructionsAndAMeasuredSpeedup()
    {
        if (Environment.GetEnvironmentVariable(ComputePrecision.OverrideVariable) is { Length: > 0 }) return;
        var f = CpuBf16.Detect();
        bool instructions = f.Avx512Enabled && (f.Avx512Bf16 || f.AmxBf16);
        double speedup = CpuBf16.MeasuredSpeedup;
        Assert.True(double.IsFinite(speedup) && speedup > 0.01 && speedup < 100, $"speedup {speedup}");
        Assert.Equal(instructions && speedup >= CpuBf16.RequiredSpeedup, CpuBf16.Native);
        var auto = ComputePrecision.Resolve("auto");
        Assert.Equal(CpuBf16.Native ? Arbor.Training.Precision.Bf16 : Arbor.Training.Precision.Fp32, auto.Precision);
        if (instructions) Assert.Contains($"{speedup:F2}× fp32", auto.Reason);   // says what it measured
    }

    [Fact]
    public void UnknownNameListsTheValidOnes()
    {
        var e = Assert.Throws<ArborException>(() => ComputePrecision.Resolve("fp16"));
        Assert.Contains("fp32, bf16, auto", e.Message);
    }

    [Fact]
    public void DetectionMatchesTheKernelsCpuFlags()
    {
        // /proc/cpuinfo lists avx512_bf16 / amx_bf16 from the same CPUID bits this reads.
        if (!File.Exists("/proc/cpuinfo") || !System.Runtime.Intrinsics.X86.X86Base.IsSupported) return;
        var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ');
        var f = CpuBf16.Detect();
        Assert.Equal(flags.Contains("avx512_bf16"), f.Avx512Bf16);
        Assert.Equal(flags.Contains("amx_bf16"), f.AmxBf16);
    }
}

/// <summary>The environment override; alone, since the variable is process-wide.</summary>
[Collection(ProcessWideStateCollection.Name)]
public class CpuBf16OverrideTests
{
    [Theory]
    [InlineData("0", Arbor.Training.Precision.Fp32)]
    [InlineData("1", Arbor.Training.Precision.Bf16)]
    public void EnvironmentForcesTheDetection(string value, Arbor.Training.Precision expected)
    {
        var before = Environment.GetEnvironmentVariable(ComputePrecision.OverrideVariable);
        try
        {
            Environment.SetEnvironmentVariable(ComputePrecision.OverrideVariable, value);
            var choice = ComputePrecision.Resolve("auto");
            Assert.Equal(expected, choice.Precision);
            Assert.Contains($"ARBOR_CPU_BF16={value}", choice.Reason);
            Environment.SetEnvironmentVariable(ComputePrecision.OverrideVariable, "maybe");
            Assert.Throws<ArborException>(() => ComputePrecision.Resolve("auto"));
        }
        finally { Environment.SetEnvironmentVariable(ComputePrecision.OverrideVariable, before); }
    }
}
