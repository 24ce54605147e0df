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
