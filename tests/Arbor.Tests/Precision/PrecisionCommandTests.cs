using Arbor.IO;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Precision;

/// <summary>
/// `--precision` on the command line: auto on a CPU without native bf16 stays fp32 (bit-identical to the reference path),
/// bf16 output stays float32 on disk and close to fp32, a bad name is a usage error. Alone: ARBOR_CPU_BF16 is process-wide.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public class PrecisionCommandTests
{
    static (int Code, string Out, string Err) Embed(string outPath, string precision, string? cpuBf16 = null)
    {
        var before = Environment.GetEnvironmentVariable(ComputePrecision.OverrideVariable);
        try
        {
            Environment.SetEnvironmentVariable(ComputePrecision.OverrideVariable, cpuBf16);
            var inputs = TestPaths.Fixture("clip-tiny", "inputs.safetensors");
            return CliHarness.Run("clip", "embed", "--clip", TestPaths.Fixture("clip-tiny"), "--pixels", inputs, "--tokens", inputs,
                "--out", outPath, "--precision", precision);
        }
        finally { Environment.SetEnvironmentVariable(ComputePrecision.OverrideVariable, before); }
    }

    [Fact]
    public void AutoWithoutNativeBf16StaysFp32()
    {
        using var dir = TestPaths.NewTempFolder();
        var (code, _, err) = Embed(dir.File("auto.safetensors"), "auto", cpuBf16: "0");
        Assert.True(code == 0, err);
        Assert.Contains("precision fp32 (auto: bf16 would not be faster on this CPU: ARBOR_CPU_BF16=0)", err);
        Assert.True(Embed(dir.File("fp32.safetensors"), "fp32").Code == 0);
        using var scope = NewDisposeScope();
        using var auto = SafeTensors.Read(dir.File("auto.safetensors"));
        using var fp32 = SafeTensors.Read(dir.File("fp32.safetensors"));
        foreach (var name in new[] { "image_embeds", "text_embeds", "logits_per_image" })
            Assert.True((auto[name] - fp32[name]).abs().max().item<float>() == 0, name);   // the very same computation
    }

    [Fact]
    public void AutoWithNativeBf16ComputesInBf16AndWritesFloat32()
    {
        using var dir = TestPaths.NewTempFolder();
        var (code, _, err) = Embed(dir.File("auto.safetensors"), "auto", cpuBf16: "1");
        Assert.True(code == 0, err);
        Assert.Contains("precision bf16 (auto: bf16 is faster than fp32 on this CPU: ARBOR_CPU_BF16=1)", err);
        using var scope = NewDisposeScope();
        using var bf16 = SafeTensors.Read(dir.File("auto.safetensors"));
        using var expected = SafeTensors.Read(TestPaths.Fixture("clip-tiny", "expected.safetensors"));
        foreach (var name in new[] { "image_embeds", "text_embeds" })
        {
            Assert.Equal("F32", bf16.StoredDType(name));
            Assert.True((bf16[name] - expected[name]).abs().max().item<float>() > 0);   // bf16 rounding shows …
            double cos = nn.functional.cosine_similarity(bf16[name], expected[name], dim: 1).min().item<float>();
            Assert.True(cos > 0.999, $"{name}: min cosine {cos}");   // … and stays small
        }
    }

    [Fact]
    public void UnknownPrecisionIsAUsageError()
    {
        using var dir = TestPaths.NewTempFolder();
        var (code, _, err) = Embed(dir.File("x.safetensors"), "fp16");
        Assert.Equal(2, code);
        Assert.Contains("fp32, bf16, auto", err);
        Assert.False(File.Exists(dir.File("x.safetensors")));
    }
}
