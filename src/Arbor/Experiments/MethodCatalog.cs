namespace Arbor.Experiments;

/// <summary>How a method trains.</summary>
public enum MethodFamily
{
    /// <summary>A backbone and a classification head trained end to end with cross-entropy.</summary>
    Supervised,
    /// <summary>A backbone pretrained with a contrastive objective, then a linear probe per level on frozen features.</summary>
    Contrastive,
    /// <summary>A frozen CLIP with trainable prompts and/or graph encoders (HGCLIP and its baselines).</summary>
    VisionLanguage,
}

/// <summary>A method's defaults: what `arbor train --method M` does when an option is not given.</summary>
public sealed record MethodDefaults(MethodFamily Family, string Backbone, int Epochs, int BatchSize, string Optimizer,
    double LearningRate, double WeightDecay, double WarmupEpochs, double Temperature, int ProbeEpochs, string Description);

/// <summary>The methods `arbor train` knows, with their defaults (chosen for small images on CPU; see docs/results.md).</summary>
public static class MethodCatalog
{
    static readonly Dictionary<string, MethodDefaults> Methods = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ce"] = Supervised("flat softmax over leaves; coarse levels by marginalising leaf probabilities"),
        ["ce-levels"] = Supervised("one cross-entropy head per level, losses averaged"),
        ["supcon"] = Contrastive("SupCon on leaf labels, then a linear probe per level"),
        ["hmlc"] = Contrastive("HiMulCon: SupCon at every level, finer levels weighted more"),
        ["hicone"] = Contrastive("HiConE: coarser-level loss never below the finer ones"),
        ["himulcone"] = Contrastive("HiMulConE: HiMulCon weighting with the HiConE constraint"),
        ["g-hmlc"] = Contrastive("G-HMLC: per-level hard feature masks found by a Gaussian mixture"),
        ["a-hmlc"] = Contrastive("A-HMLC: per-level soft feature masks from attention heads"),
        ["hgclip"] = VisionLanguage("HGCLIP: prompts in both CLIP towers, graph attention over the class tree, prototype attention"),
        ["coop"] = VisionLanguage("CoOp: learnable text context (shallow) on a frozen CLIP"),
        ["vpt"] = VisionLanguage("VPT: deep visual prompts on a frozen CLIP"),
        ["ivlp"] = VisionLanguage("IVLP: deep prompts in both CLIP towers (HGCLIP without graphs)"),
        ["kgcoop"] = VisionLanguage("KgCoOp: CoOp with its text features pulled towards the hand-crafted prompt's (λ = 8)"),
        ["cocoop"] = VisionLanguage("CoCoOp: CoOp's context shifted per image by a meta-network on the image feature"),
        ["maple"] = VisionLanguage("MaPLe: deep text prompts coupled to the visual prompts by learned linear maps"),
        ["promptsrc"] = VisionLanguage("PromptSRC: deep prompts in both towers, self-regulating losses, Gaussian prompt ensemble"),
        ["linear-probe"] = VisionLanguage("linear probe per level on frozen CLIP image features") with { ProbeEpochs = 40 },
        ["zeroshot"] = VisionLanguage("CLIP zero-shot: every class's prompts at every level; nothing is trained") with { Epochs = 1 },
    };

    static MethodDefaults Supervised(string description) =>
        new(MethodFamily.Supervised, "resnet20", 10, 128, "sgd", 0.1, 5e-4, 0.5, 0, 0, description);

    static MethodDefaults Contrastive(string description) =>
        new(MethodFamily.Contrastive, "resnet20", 10, 256, "sgd", 0.1, 1e-4, 0.5, 0.1, 40, description);

    // The HGCLIP recipe (paper / reference): SGD momentum 0.9, weight decay 1e-4, lr 3e-4, batch 64, cosine schedule.
    static MethodDefaults VisionLanguage(string description) =>
        new(MethodFamily.VisionLanguage, "clip", 10, 64, "sgd", 3e-4, 1e-4, 0, 0, 0, description);

    /// <summary>Every method name, in the order they are documented.</summary>
    public static IReadOnlyList<string> Names => Methods.Keys.ToArray();

    /// <summary>The defaults of a method; an unknown name lists the valid ones.</summary>
    public static MethodDefaults Get(string method) => Methods.TryGetValue(method, out var d)
        ? d : throw new ArborException($"unknown method '{method}'; valid methods: {string.Join(", ", Names)}");

    /// <summary>The canonical (lower-case) name.</summary>
    public static string Canonical(string method) => Methods.Keys.First(k => k.Equals(method, StringComparison.OrdinalIgnoreCase));
}
