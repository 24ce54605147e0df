namespace Arbor.Methods.Prompting.Baselines;

/// <summary>The prompt-learning baselines of HGCLIP's table that are not parts of HGCLIP itself (docs/hgclip.md).</summary>
public enum PromptBaseline
{
    /// <summary>KgCoOp (Yao et al., CVPR 2023): CoOp + a pull of the prompted text features towards the template's.</summary>
    KgCoOp,
    /// <summary>CoCoOp (Zhou et al., CVPR 2022): CoOp's context shifted per image by a small meta-network.</summary>
    CoCoOp,
    /// <summary>MaPLe (Khattak et al., CVPR 2023): deep text prompts; each layer's visual prompts are a learned linear
    /// function of that layer's text prompts.</summary>
    MaPLe,
    /// <summary>PromptSRC (Khattak et al., ICCV 2023): IVLP's deep prompts + self-regulating losses towards frozen CLIP and
    /// a Gaussian-weighted ensemble of the prompts of every epoch.</summary>
    PromptSRC,
}

/// <summary>The settings of a <see cref="PromptBaselineModel"/>; the defaults are the authors' published configs.</summary>
public sealed record PromptBaselineOptions
{
    public PromptBaseline Method { get; init; }

    /// <summary>Text context: 4 tokens from "a photo of a" (MaPLe: 2 tokens, depth 9; PromptSRC: 4 tokens, depth 9;
    /// KgCoOp and CoCoOp: shallow).</summary>
    public PromptOptions TextPrompt { get; init; } = PromptOptions.Shallow;

    /// <summary>PromptSRC's visual prompts (4 tokens, depth 9, N(0, 0.02)).</summary>
    public PromptOptions VisualPrompt { get; init; } = new();

    /// <summary>The hand-crafted prompt whose frozen features KgCoOp and PromptSRC regularise towards.</summary>
    public string FrozenTemplate { get; init; } = "a photo of a {name}.";

    /// <summary>KgCoOp's λ: weight of 1 − mean cosine of prompted to hand-crafted text features (8.0, as the authors'
    /// scripts/run.sh and xd_train.sh pass TRAINER.COOP.W 8.0).</summary>
    public double KnowledgeWeight { get; init; } = 8.0;

    /// <summary>PromptSRC: weight of the L1 distance of prompted to frozen text features (25).</summary>
    public double TextConsistencyWeight { get; init; } = 25.0;

    /// <summary>PromptSRC: weight of the L1 distance of prompted to frozen image features (10).</summary>
    public double ImageConsistencyWeight { get; init; } = 10.0;

    /// <summary>PromptSRC: weight of the KL divergence of the logits from the frozen zero-shot logits (1).</summary>
    public double LogitConsistencyWeight { get; init; } = 1.0;

    /// <summary>
    /// PromptSRC's ensemble: the epochs of the run; epoch e (1-based) weighs N(e; μ, σ²) with μ = 0.75·epochs and
    /// σ = epochs / 20 (the authors' 20-epoch config: μ 15, σ 1).
    /// </summary>
    public int Epochs { get; init; } = 20;

    /// <summary>The options of a method with its authors' prompt shapes.</summary>
    public static PromptBaselineOptions For(PromptBaseline method, string textInit = "a photo of a", int epochs = 20) => method switch
    {
        PromptBaseline.MaPLe => new() { Method = method, TextPrompt = new PromptOptions { ContextTokens = 2, TextInit = textInit }, Epochs = epochs },
        PromptBaseline.PromptSRC => new() { Method = method, TextPrompt = new PromptOptions { TextInit = textInit }, Epochs = epochs },
        _ => new() { Method = method, TextPrompt = PromptOptions.Shallow with { TextInit = textInit }, Epochs = epochs },
    };

    /// <summary>The method name as <c>--method</c> spells it.</summary>
    public static string Name(PromptBaseline method) => method.ToString().ToLowerInvariant();

    /// <summary>The baseline a <c>--method</c> name stands for, or null.</summary>
    public static PromptBaseline? Parse(string method) =>
        Enum.GetValues<PromptBaseline>().Select(m => (PromptBaseline?)m).FirstOrDefault(m => Name(m!.Value) == method.ToLowerInvariant());

    internal void Validate()
    {
        TextPrompt.Validate();
        VisualPrompt.Validate();
        if (KnowledgeWeight < 0 || TextConsistencyWeight < 0 || ImageConsistencyWeight < 0 || LogitConsistencyWeight < 0)
            throw new ArgumentOutOfRangeException(nameof(KnowledgeWeight), "loss weights are not negative");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), "at least one epoch");
    }
}
