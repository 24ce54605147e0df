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
    public string? Backbone { get; init; }
    public string? ClipPath { get; init; }
    public string? Parts { get; init; }
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public string? Optimizer { get; init; }
    public double? WeightDecay { get; init; }
    public double? WarmupEpochs { get; init; }
    public double? Temperature { get; init; }
    public int? ProbeEpochs { get; init; }
    /// <summary>Image side the model sees (resolved at training time from the data).</summary>
    public int? ImageSize { get; init; }
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
