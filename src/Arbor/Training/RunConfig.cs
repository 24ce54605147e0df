using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbor.Training;

/// <summary>
/// Everything that defines a training run, written to the run folder's config.json so `arbor eval`, `arbor predict` and
/// `--resume` rebuild exactly the same model and data. Null fields take the method's defaults (<see cref="Arbor.Experiments.MethodDefaults"/>).
/// </summary>
public sealed record RunConfig
{
    public string Method { get; init; } = "hmlc";
    public string Dataset { get; init; } = "fashion-mnist";
    public string? Hierarchy { get; init; }
    public string? DataRoot { get; init; }

    /// <summary>A manifest may list images outside its folder (absolute or <c>..</c> paths); see DatasetOptions.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool AllowPathsOutsideManifest { get; init; }

    public string? Backbone { get; init; }
    public string? ClipPath { get; init; }
    /// <summary>CLIP image preprocessing convention: "hf" (Hugging Face, the default) or "openai" (OpenAI/torchvision).</summary>
    public string? ClipPreprocessing { get; init; }
    public string? Parts { get; init; }
    /// <summary>Image tower from the encoder registry (dual-encoder vision-language methods), e.g. resnet18-imagenet.</summary>
    public string? ImageEncoder { get; init; }
    /// <summary>Text tower from the encoder registry, e.g. minilm.</summary>
    public string? TextEncoder { get; init; }
    /// <summary>Train the image tower with the rest (default: frozen, encodings cached).</summary>
    public bool? FineTuneImage { get; init; }
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public string? Optimizer { get; init; }
    public double? WeightDecay { get; init; }
    public double? WarmupEpochs { get; init; }
    public double? Temperature { get; init; }
    public int? ProbeEpochs { get; init; }
    /// <summary>"arbor" (Arbor's defaults) or "reference" (the reference code's recipe where the method has one).</summary>
    public string? Recipe { get; init; }
    /// <summary>HiConE constraint form: "pairwise" (the paper's statement) or "batch-mean" (the reference code's).</summary>
    public string? HiConE { get; init; }
    /// <summary>Reduce the batch to one sample per label prefix after each contrasted level (the reference's behaviour).</summary>
    public bool? ReducePrefixes { get; init; }
    /// <summary>Also contrast an instance level below the leaves (SimCLR positives).</summary>
    public bool? InstanceLevel { get; init; }
    /// <summary>Inverse class-frequency anchor weights at every level.</summary>
    public bool? InverseFrequency { get; init; }
    /// <summary>G-HMLC / A-HMLC: apply the HiConE constraint to the masked level losses.</summary>
    public bool? MaskConstraint { get; init; }
    /// <summary>G-HMLC: refit the level masks every this many epochs.</summary>
    public int? RefitEvery { get; init; }
    /// <summary>A-HMLC: hidden width of each level's mask head (0 = the projection width).</summary>
    public int? MaskWidth { get; init; }
    /// <summary>A-HMLC: the mask heads see a detached backbone feature (no second gradient path into the backbone).</summary>
    public bool? DetachMaskInput { get; init; }
    /// <summary>Training batches: "random" or "hierarchical" (HMLC's groups of four).</summary>
    public string? Sampler { get; init; }
    /// <summary>Contrastive views: probability of the colour jitter.</summary>
    public double? JitterP { get; init; }
    /// <summary>Contrastive views: probability of random grayscale.</summary>
    public double? GrayscaleP { get; init; }
    /// <summary>Contrastive views: hue jitter range (0 = none).</summary>
    public double? Hue { get; init; }
    /// <summary>Contrastive views: smallest area fraction of the random resized crop.</summary>
    public double? CropScaleMin { get; init; }
    /// <summary>How λ-weighted level losses are scaled: "levels", "normalised" or "reference".</summary>
    public string? LossScale { get; init; }
    /// <summary>HGCLIP / CoOp / IVLP: words whose first 4 tokens initialise the text context; later ones stay frozen in the prompt.</summary>
    public string? TextInit { get; init; }
    /// <summary>HGCLIP head normalisation: "cosine" (the paper's) or "reference" (the code's).</summary>
    public string? HeadNormalization { get; init; }
    /// <summary>HGCLIP label graph: "one" edge per parent → child, or "per-leaf" (the reference on some datasets).</summary>
    public string? EdgeMultiplicity { get; init; }
    /// <summary>Learning-rate schedule: "cosine" (per step, with warm-up) or "plateau" (×0.1 after 5 epochs without a better validation score).</summary>
    public string? Schedule { get; init; }
    /// <summary>Linear probe recipe: "arbor" (AdamW, cosine, level losses averaged) or "reference" (SGD, step decay).</summary>
    public string? ProbeRecipe { get; init; }
    /// <summary>Image side the model sees (resolved at training time from the data).</summary>
    public int? ImageSize { get; init; }
    /// <summary>Input channels the model sees (resolved at training time from the data).</summary>
    public int? Channels { get; init; }
    /// <summary>Normalisation preset of the training data (resolved at training time), reused by predict.</summary>
    public string? Normalization { get; init; }
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Use at most this many training images (after carving validation); null = all.</summary>
    public int? TrainLimit { get; init; }
    public int Seed { get; init; } = 0;
    public int Threads { get; init; } = 0;

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunConfig FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<RunConfig>(json, Json) ?? throw new ArborException("config is empty", source);
        }
        catch (JsonException e)
        {
            throw new ArborException($"malformed run config: {e.Message}", source);
        }
    }

    public static RunConfig Read(string path)
    {
        if (!File.Exists(path)) throw new ArborException("run config not found", path);
        return FromJson(File.ReadAllText(path), path);
    }
}
