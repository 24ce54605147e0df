using System.CommandLine;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor train`'s options for the contrastive family (loss, sampling, view augmentation, probe) and the recipe. Unset
/// options take the recipe's value; an option that does not apply to the method is refused (see ContrastiveRecipe).
/// </summary>
internal sealed class ContrastiveCliOptions
{
    readonly Option<string?> recipe = new("--recipe")
    {
        Description = "arbor | reference: Arbor's defaults, or the reference code's recipe (hmlc, hicone, himulcone: " +
                      "docs/contrastive.md; hgclip, coop, vpt, ivlp: docs/hgclip.md); explicit options override it",
    };
    readonly Option<string?> hicone = new("--hicone") { Description = "HiConE constraint: pairwise (paper) | batch-mean (reference code)" };
    readonly Option<bool?> reducePrefixes = new("--reduce-prefixes") { Description = "Keep one sample per label prefix after each level (reference) [true|false]" };
    readonly Option<bool?> instanceLevel = new("--instance-level") { Description = "Also contrast an instance level below the leaves [true|false]" };
    readonly Option<string?> inverseFrequency = new("--inverse-frequency") { Description = "Inverse class-frequency anchor weights: on | off (default: on for g-hmlc, a-hmlc)" };
    readonly Option<bool?> maskConstraint = new("--mask-constraint") { Description = "g-hmlc, a-hmlc: HiConE constraint on the masked level losses [true|false]" };
    readonly Option<int?> refitEvery = new("--refit-every") { Description = "g-hmlc: refit the level masks every E epochs (default 1)" };
    readonly Option<int?> maskWidth = new("--mask-width") { Description = "a-hmlc: hidden width of the mask heads (default 0: the projection width)" };
    readonly Option<bool?> detachMaskInput = new("--detach-mask-input") { Description = "a-hmlc: mask heads read a detached backbone feature [true|false]" };
    readonly Option<string?> maskHeads = new("--mask-heads")
    {
        Description = "a-hmlc: attention (a mask per sample from heads on the backbone feature) | static (one learned " +
                      "mask σ(θ) per level, H×D parameters: the equal-capacity control for g-hmlc's hard masks)",
    };
    readonly Option<string?> sampler = new("--sampler") { Description = "Training batches: random | hierarchical (HMLC's groups of four)" };
    readonly Option<double?> jitterP = new("--jitter-p") { Description = "Contrastive views: colour-jitter probability (arbor 1, reference 0.8)" };
    readonly Option<double?> grayscaleP = new("--grayscale-p") { Description = "Contrastive views: random-grayscale probability (0.2)" };
    readonly Option<double?> hue = new("--hue") { Description = "Contrastive views: hue jitter range in [0, 0.5] (arbor 0, reference 0.1)" };
    readonly Option<double?> cropScaleMin = new("--crop-scale-min") { Description = "Contrastive views: smallest crop area fraction (arbor 0.8, reference 0.2)" };
    readonly Option<string?> lossScale = new("--loss-scale") { Description = "λ-weighted total: levels (Σλ·L/levels) | normalised (Σλ·L/Σλ) | reference (Σλ·L/(levels+1))" };
    readonly Option<string?> probeRecipe = new("--probe-recipe") { Description = "Linear probe: arbor (AdamW, cosine) | reference (SGD 0.1, ×0.2 at 30/60/90)" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
                 {
                     recipe, hicone, reducePrefixes, instanceLevel, inverseFrequency, maskConstraint, refitEvery, maskWidth,
                     detachMaskInput, maskHeads, sampler, jitterP, grayscaleP, hue, cropScaleMin, lossScale, probeRecipe,
                 })
            command.Options.Add(option);
    }

    /// <summary>The config with the options given on the command line (unset ones stay null for the recipe to fill).</summary>
    public RunConfig Apply(ParseResult result, RunConfig config) => config with
    {
        Recipe = result.GetValue(recipe),
        HiConE = result.GetValue(hicone),
        ReducePrefixes = result.GetValue(reducePrefixes),
        InstanceLevel = result.GetValue(instanceLevel),
        InverseFrequency = OnOff(result.GetValue(inverseFrequency)),
        MaskConstraint = result.GetValue(maskConstraint),
        RefitEvery = result.GetValue(refitEvery),
        MaskWidth = result.GetValue(maskWidth),
        DetachMaskInput = result.GetValue(detachMaskInput),
        MaskHeads = result.GetValue(maskHeads),
        Sampler = result.GetValue(sampler),
        JitterP = result.GetValue(jitterP),
        GrayscaleP = result.GetValue(grayscaleP),
        Hue = result.GetValue(hue),
        CropScaleMin = result.GetValue(cropScaleMin),
        LossScale = result.GetValue(lossScale),
        ProbeRecipe = result.GetValue(probeRecipe),
    };

    static bool? OnOff(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new ArborException($"--inverse-frequency must be on or off, not '{value}'"),
    };
}
