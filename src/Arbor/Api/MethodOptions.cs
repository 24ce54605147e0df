using Arbor.Methods.Hgclip;
using Arbor.Training;

namespace Arbor;

/// <summary>
/// The method to train, as a typed choice with the options that belong to it (the library's form of
/// <c>arbor train --method …</c>): <see cref="CrossEntropyMethod"/>, <see cref="ContrastiveMethod"/> or
/// <see cref="VisionLanguageMethod"/>. Options left null take the method's defaults (docs/training.md).
/// </summary>
public abstract record MethodOptions
{
    private protected MethodOptions() { }

    /// <summary>The method's name as the CLI and config.json spell it ("hmlc", "ce-levels", "hgclip", …).</summary>
    public abstract string Name { get; }

    /// <summary>Writes this method and its options into a run config.</summary>
    internal abstract RunConfig ApplyTo(RunConfig config);
}

/// <summary>Convolutional backbone of the image methods.</summary>
public enum Backbone
{
    /// <summary>CIFAR-style ResNet-20 (0.27 M parameters): the default, fast on CPU.</summary>
    ResNet20,
    /// <summary>ResNet-18 adapted to small images (11 M parameters).</summary>
    ResNet18,
}

/// <summary>Cross-entropy baselines trained end to end.</summary>
public sealed record CrossEntropyMethod : MethodOptions
{
    /// <summary>False: one softmax over the leaves, coarse levels by marginalising ("ce"). True: one head per level ("ce-levels").</summary>
    public bool PerLevel { get; init; }
    public Backbone? Backbone { get; init; }

    public override string Name => PerLevel ? "ce-levels" : "ce";

    internal override RunConfig ApplyTo(RunConfig config) =>
        config with { Method = Name, Backbone = BackboneName(Backbone) };

    internal static string? BackboneName(Backbone? backbone) => backbone?.ToString().ToLowerInvariant();
}

/// <summary>The contrastive objective of <see cref="ContrastiveMethod"/>.</summary>
public enum ContrastiveLoss
{
    /// <summary>SupCon on leaf labels.</summary>
    SupCon,
    /// <summary>HiMulCon: SupCon at every level, finer levels weighted more.</summary>
    Hmlc,
    /// <summary>HiConE: a coarser level's loss is never below a finer one's.</summary>
    HiConE,
    /// <summary>HiMulConE: HiMulCon weighting with the HiConE constraint.</summary>
    HiMulConE,
    /// <summary>G-HMLC: per-level hard feature masks found by a Gaussian mixture.</summary>
    GHmlc,
    /// <summary>A-HMLC: per-level soft feature masks from attention heads.</summary>
    AHmlc,
}

/// <summary>Hierarchical contrastive pretraining of a backbone, then a linear probe per level on frozen features.</summary>
public sealed record ContrastiveMethod : MethodOptions
{
    public ContrastiveLoss Loss { get; init; } = ContrastiveLoss.Hmlc;
    public Backbone? Backbone { get; init; }
    /// <summary>Temperature τ of the contrastive loss (default 0.1).</summary>
    public double? Temperature { get; init; }
    /// <summary>Epochs of the per-level linear probe after pretraining.</summary>
    public int? ProbeEpochs { get; init; }

    public override string Name => Loss switch
    {
        ContrastiveLoss.SupCon => "supcon",
        ContrastiveLoss.Hmlc => "hmlc",
        ContrastiveLoss.HiConE => "hicone",
        ContrastiveLoss.HiMulConE => "himulcone",
        ContrastiveLoss.GHmlc => "g-hmlc",
        ContrastiveLoss.AHmlc => "a-hmlc",
        _ => throw new ArgumentOutOfRangeException(nameof(Loss), Loss, "not a contrastive loss"),
    };

    internal override RunConfig ApplyTo(RunConfig config) => config with
    {
        Method = Name, Backbone = CrossEntropyMethod.BackboneName(Backbone), Temperature = Temperature, ProbeEpochs = ProbeEpochs,
    };
}

/// <summary>Which method on a frozen CLIP <see cref="VisionLanguageMethod"/> trains.</summary>
public enum VisionLanguageKind
{
    /// <summary>HGCLIP: prompts in both towers, graph attention over the class tree, prototype attention.</summary>
    Hgclip,
    /// <summary>CoOp: learnable text context.</summary>
    CoOp,
    /// <summary>VPT: deep visual prompts.</summary>
    Vpt,
    /// <summary>IVLP: deep prompts in both towers.</summary>
    Ivlp,
    /// <summary>A linear probe per level on frozen CLIP image features.</summary>
    LinearProbe,
    /// <summary>KgCoOp: CoOp regularised towards the hand-crafted prompt's text features.</summary>
    KgCoOp,
    /// <summary>CoCoOp: CoOp's context conditioned on each image by a meta-network.</summary>
    CoCoOp,
    /// <summary>MaPLe: deep text prompts coupled to visual prompts by learned linear maps.</summary>
    MaPLe,
    /// <summary>PromptSRC: deep prompts in both towers with self-regulating losses and a Gaussian prompt ensemble.</summary>
    PromptSRC,
    /// <summary>CLIP zero-shot: every class's prompt at every level, nothing trained (as `arbor zeroshot`).</summary>
    ZeroShot,
}

/// <summary>HGCLIP and its baselines on a frozen CLIP read from a Hugging Face folder.</summary>
/// <param name="ClipFolder">Hugging Face CLIP folder: config.json, model.safetensors, vocab.json, merges.txt.</param>
public sealed record VisionLanguageMethod(string ClipFolder) : MethodOptions
{
    public VisionLanguageKind Kind { get; init; } = VisionLanguageKind.Hgclip;
    /// <summary>HGCLIP only: the parts switched on (default all four).</summary>
    public HgclipParts? Parts { get; init; }

    public override string Name => Kind switch
    {
        VisionLanguageKind.Hgclip => "hgclip",
        VisionLanguageKind.CoOp => "coop",
        VisionLanguageKind.Vpt => "vpt",
        VisionLanguageKind.Ivlp => "ivlp",
        VisionLanguageKind.LinearProbe => "linear-probe",
        VisionLanguageKind.KgCoOp => "kgcoop",
        VisionLanguageKind.CoCoOp => "cocoop",
        VisionLanguageKind.MaPLe => "maple",
        VisionLanguageKind.PromptSRC => "promptsrc",
        VisionLanguageKind.ZeroShot => "zeroshot",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "not a vision-language method"),
    };

    internal override RunConfig ApplyTo(RunConfig config)
    {
        if (Parts is not null && Kind != VisionLanguageKind.Hgclip)
            throw new ArborException($"Parts applies to HGCLIP only, not to {Name}");
        return config with
        {
            Method = Name, ClipPath = ClipFolder, Parts = Parts is { } p ? HgclipPartsParser.Format(p) : null,
        };
    }
}
