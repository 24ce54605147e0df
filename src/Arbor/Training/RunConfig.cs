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
    /// <summary>A-HMLC: "attention" (per-sample mask heads) or "static" (one learned mask per level); older configs without
    /// it ran attention heads.</summary>
    public string? MaskHeads { get; init; }
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
    /// <summary>Zero-shot: prompt templates, <c>{name}</c> standing for the class name (default "a photo of a {name}.").</summary>
    public string[]? Templates { get; init; }
    /// <summary>Zero-shot: score coarser levels by summing the leaves' probabilities instead of by their own prompts.</summary>
    public bool? Marginalize { get; init; }
    /// <summary>Zero-shot logits: "hundred" (100 × cosine, the default) or "logit-scale" (the checkpoint's exp(logit_scale)).</summary>
    public string? ZeroShotScale { get; init; }
    /// <summary>Image side the model sees (resolved at training time from the data).</summary>
    public int? ImageSize { get; init; }
    /// <summary>Point clouds: points per cloud the model sees (default 1,024; resolved at training time from the data).</summary>
    public int? Points { get; init; }
    /// <summary>Input channels the model sees (resolved at training time from the data).</summary>
    public int? Channels { get; init; }
    /// <summary>
    /// Normalisation of the model's input: a preset (clip, imagenet, fashion-mnist, cifar-100, symmetric, none) or "data"
    /// (measured on the training split). Resolved at training time; <see cref="Mean"/> and <see cref="Std"/> then hold the
    /// values, so predict needs nothing else.
    /// </summary>
    public string? Normalization { get; init; }
    /// <summary>Per-channel mean subtracted from pixels in [0, 1] (resolved at training time).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel standard deviation pixels are divided by (resolved at training time).</summary>
    public float[]? Std { get; init; }
    /// <summary>How evaluation and prediction bring an image to <see cref="ImageSize"/>: "shorter-side-center-crop" or "stretch".</summary>
    public string? Resize { get; init; }
    /// <summary>Leave undecodable image files out (listed in the run folder's skipped-images.txt) instead of stopping.</summary>
    public bool SkipBadImages { get; init; }
    /// <summary>SHA-256 of the CLIP folder's files (config.json, weights, vocab, merges) the run was trained with.</summary>
    public string? ClipHash { get; init; }
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Use at most this many training images (after carving validation); null = all.</summary>
    public int? TrainLimit { get; init; }
    public int Seed { get; init; } = 0;
    public int Threads { get; init; } = 0;
    /// <summary>"mpi" when trained data-parallel under mpirun (docs/distributed.md); null: one process.</summary>
    public string? Distributed { get; init; }
    /// <summary>Ranks (K) of a distributed run; --resume needs the same number.</summary>
    public int? Ranks { get; init; }
    /// <summary>
    /// What the frozen towers computed in: "fp32" or "bf16" (docs/precision.md). <c>--precision auto</c> is resolved before it
    /// is written, so the file records what ran; null (older runs) is fp32.
    /// </summary>
    public string? Precision { get; init; }

    /// <summary>The input normalisation the run's model expects (null until resolved).</summary>
    public Arbor.Data.Normalization? InputNormalization() =>
        Mean is { } mean && Std is { } std ? new Arbor.Data.Normalization(Normalization ?? "custom", mean, std)
        : Normalization is null ? null
        : Arbor.Data.Normalization.TryGet(Normalization) ?? throw new ArborException($"unknown normalisation '{Normalization}' in the run config");

    /// <summary>The resize rule of <see cref="Resize"/> (default: shorter side, then centre crop).</summary>
    public Arbor.Data.ResizeMode ResizeRule() => Resize switch
    {
        null or "shorter-side-center-crop" => Arbor.Data.ResizeMode.ShorterSideThenCenterCrop,
        "stretch" => Arbor.Data.ResizeMode.Stretch,
        _ => throw new ArborException($"unknown resize rule '{Resize}'; use shorter-side-center-crop or stretch"),
    };

    /// <summary>
    /// The options of <paramref name="requested"/> that differ from this config, as "name: stored → requested". Only the
    /// JSON fields in <paramref name="given"/> are compared (the options a user passed); without it, every field whose
    /// requested value is not the default of a fresh <see cref="RunConfig"/>. <paramref name="ignore"/> names fields allowed to change.
    /// </summary>
    public IReadOnlyList<string> Differences(RunConfig requested, IReadOnlyCollection<string>? given, params string[] ignore)
    {
        var mine = System.Text.Json.Nodes.JsonNode.Parse(ToJson())!.AsObject();
        var theirs = System.Text.Json.Nodes.JsonNode.Parse(requested.ToJson())!.AsObject();
        var defaults = System.Text.Json.Nodes.JsonNode.Parse(new RunConfig().ToJson())!.AsObject();
        var result = new List<string>();
        foreach (var (name, value) in theirs)
        {
            if (ignore.Contains(name)) continue;
            if (given is not null ? !given.Contains(name) : System.Text.Json.Nodes.JsonNode.DeepEquals(value, defaults[name])) continue;
            var stored = mine[name];
            if (!System.Text.Json.Nodes.JsonNode.DeepEquals(value, stored))
                result.Add($"{name}: {stored?.ToJsonString() ?? "(unset)"} → {value?.ToJsonString() ?? "(unset)"}");
        }
        return result;
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Parses a run config strictly (valid Unicode, no key twice, JSON types as the fields declare) and checks every value
    /// a run reads back (<see cref="CheckStored"/>); problems are an <see cref="ArborException"/> naming <paramref name="source"/>.
    /// </summary>
    public static RunConfig FromJson(string json, string source)
    {
        using var document = Arbor.IO.JsonInput.Parse(json, source, "run config");
        RunConfig config;
        try
        {
            config = document.Deserialize<RunConfig>(Json) ?? throw new ArborException("run config is empty (null)", source);
        }
        catch (JsonException e)
        {
            var message = e.Message;
            int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            throw new ArborException($"malformed run config: {(cut > 0 ? message[..cut] : message)}{(e.Path is { } at ? $" (at {at})" : "")}", source);
        }
        config.CheckStored(source);
        return config;
    }

    /// <summary>Reads <paramref name="path"/> (valid UTF-8, at most <see cref="Arbor.IO.InputLimits.ConfigFileBytes"/>) as <see cref="FromJson"/>.</summary>
    public static RunConfig Read(string path)
    {
        if (!File.Exists(path)) throw new ArborException("run config not found", path);
        return FromJson(Arbor.IO.TextInput.ReadFile(path, Arbor.IO.InputLimits.ConfigFileBytes, "run config"), path);
    }

    /// <summary>
    /// The values a stored run is opened with must be ones `arbor train` could have written: an edited config.json is refused
    /// with the field and the problem, instead of failing deep inside (or silently changing predictions).
    /// </summary>
    void CheckStored(string path)
    {
        void Require(bool ok, string problem) { if (!ok) throw new ArborException($"run config: {problem}", path); }
        Require(!string.IsNullOrWhiteSpace(Method), "method is missing");
        Require(!string.IsNullOrWhiteSpace(Dataset), "dataset is missing");
        try { Arbor.Experiments.MethodCatalog.Get(Method); }
        catch (ArborException e) { throw new ArborException($"run config: {e.Message}", path); }
        Require(Epochs is null or >= 1 and <= 100_000, $"epochs {Epochs} is not from 1 to 100000");
        Require(BatchSize is null or >= 1 and <= 65_536, $"batch_size {BatchSize} is not from 1 to 65536");
        Require(ProbeEpochs is null or >= 0, $"probe_epochs {ProbeEpochs} is negative");   // 0: methods without a probe
        Require(TrainLimit is null or >= 1, $"train_limit {TrainLimit} is below 1");
        Require(Threads >= 0, $"threads {Threads} is negative");
        Require(Distributed is null or "mpi", $"distributed '{Distributed}' is not mpi");
        Require(Ranks is null or >= 1 and <= 65_536, $"ranks {Ranks} is not from 1 to 65536");
        Require(ValidationFraction is >= 0 and < 1, $"validation_fraction {ValidationFraction} is not in [0, 1)");
        Require(MaskHeads is null || Arbor.Experiments.ContrastiveRecipe.MaskHeadKinds.Contains(MaskHeads),
            $"mask_heads '{MaskHeads}' is not one of {string.Join(", ", Arbor.Experiments.ContrastiveRecipe.MaskHeadKinds)}");
        // Every number must be finite: JSON's 1e999 reads as infinity, which no option means (and which cannot be written back).
        foreach (var property in typeof(RunConfig).GetProperties())
            if (property.GetValue(this) is double value && !double.IsFinite(value))
                Require(false, $"{JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name)} is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}, not a finite number");
        Require(ImageSize is null or >= 8 and <= Arbor.Experiments.RunValidation.MaxImageSize,
            $"image_size {ImageSize} is not from 8 to {Arbor.Experiments.RunValidation.MaxImageSize}");
        Require(Channels is null or 1 or 3, $"channels {Channels} is not 1 or 3");
        Require(Mean is null == Std is null, "mean and std must be given together");
        if (Mean is { } mean && Std is { } std)
        {
            Require(mean.Length == std.Length && mean.Length is 1 or 3 && (Channels is null || mean.Length == Channels),
                $"mean and std need one value per channel ({Channels ?? 3}), not {mean.Length} and {std.Length}");
            Require(mean.All(float.IsFinite) && std.All(v => float.IsFinite(v) && v > 0), "mean must be finite and std positive");
        }
        try
        {
            InputNormalization();
            ResizeRule();
        }
        catch (ArborException e) { throw new ArborException($"run config: {e.Message}", path); }
    }
}
