using System.Text.Json;
using System.Text.Json.Serialization;
using Arbor.IO;

namespace Arbor.Evaluation;

/// <summary>
/// metrics.json, exactly as DESIGN.md gives it:
/// <c>{ "method", "dataset", "split", "samples", "levels": [ { "level", "name", "classes", "top1", "top5" } ],
/// "full_path", "consistency", "mistake_severity", "decoding" }</c>. Accuracies are fractions in [0, 1].
/// </summary>
public sealed record MetricsReport
{
    [JsonPropertyName("method")] public required string Method { get; init; }
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }
    [JsonPropertyName("split")] public required string Split { get; init; }
    [JsonPropertyName("samples")] public required long Samples { get; init; }
    [JsonPropertyName("levels")] public required IReadOnlyList<LevelMetrics> Levels { get; init; }
    [JsonPropertyName("full_path")] public required double FullPath { get; init; }
    [JsonPropertyName("consistency")] public required double Consistency { get; init; }
    [JsonPropertyName("mistake_severity")] public required double MistakeSeverity { get; init; }
    [JsonPropertyName("decoding")] public required string Decoding { get; init; }

    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>The JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Writes metrics.json atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    /// <summary>Reads and checks a metrics.json; a malformed file is an <see cref="ArborException"/> naming it.</summary>
    public static MetricsReport Read(string path)
    {
        MetricsReport? report;
        try
        {
            report = JsonSerializer.Deserialize<MetricsReport>(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? $"line {l + 1}: " : "";
            throw new ArborException($"{line}not a valid metrics.json: {e.Message}", path, e);
        }
        if (report is null) throw new ArborException("not a valid metrics.json: null", path);
        report.Validate(path);
        return report;
    }

    void Validate(string path)
    {
        static bool Fraction(double x) => x >= 0 && x <= 1;
        if (Samples < 0) throw new ArborException($"negative sample count {Samples}", path);
        if (!Fraction(FullPath) || !Fraction(Consistency))
            throw new ArborException("full_path and consistency must be fractions in [0, 1]", path);
        if (!(MistakeSeverity >= 0)) throw new ArborException("mistake_severity must be ≥ 0", path);
        for (int i = 0; i < Levels.Count; i++)
        {
            var level = Levels[i];
            if (level is null) throw new ArborException($"levels[{i}] is null", path);
            if (level.Level != i + 1) throw new ArborException($"levels[{i}] has level {level.Level}, expected {i + 1}", path);
            if (!Fraction(level.Top1) || !Fraction(level.Top5))
                throw new ArborException($"levels[{i}]: top1 and top5 must be fractions in [0, 1]", path);
        }
        if (Decoding is not ("independent" or "consistent"))
            throw new ArborException($"unknown decoding '{Decoding}' (expected 'independent' or 'consistent')", path);
    }
}
