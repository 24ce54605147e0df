using Arbor.Training;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>
/// A run's <c>--precision</c>: bf16 applies where a method keeps a frozen tower it did not train (the CLIP methods'
/// towers). Methods that train their whole backbone (ce, the contrastive family) and the ONNX-imported towers stay
/// fp32: <c>auto</c> says so, an explicit <c>bf16</c> is refused. See docs/precision.md.
/// </summary>
public static class RunPrecision
{
    /// <summary>True when the run has frozen CLIP towers that can compute in bf16.</summary>
    public static bool HasFrozenTowers(RunConfig config) =>
        MethodCatalog.Get(config.Method).Family == MethodFamily.VisionLanguage && !VisionLanguage.DualEncoderMethods.Applies(config);

    /// <summary>The precision <paramref name="config"/> asks for, on <paramref name="device"/>, checked against its method.</summary>
    public static PrecisionChoice Resolve(RunConfig config, Device? device = null)
    {
        var choice = ComputePrecision.Resolve(config.Precision, device);
        if (choice.Precision == Precision.Fp32 || HasFrozenTowers(config)) return choice;
        string why = VisionLanguage.DualEncoderMethods.Applies(config)
            ? "the ONNX-imported towers compute in fp32"
            : $"method '{config.Method}' trains its whole backbone, and trainable weights stay fp32";
        if (choice.Requested == "auto") return new PrecisionChoice(Precision.Fp32, "auto", why);
        throw new ArborException($"--precision bf16 applies to frozen CLIP towers (hgclip, coop, vpt, ivlp, linear-probe with --clip); {why}");
    }
}
