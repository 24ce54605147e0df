using System.Text.Json;
using Arbor.IO;
using Arbor.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Training;

/// <summary>
/// What identifies the model a checkpoint belongs to. A checkpoint whose identity differs from the model it is loaded
/// into (another method, backbone or hierarchy) is refused with the reason, before any weight is touched.
/// </summary>
public sealed record CheckpointIdentity(string Method, string Model, string HierarchySignature)
{
    public IEnumerable<string> Differences(CheckpointIdentity other)
    {
        if (Method != other.Method) yield return $"it was trained with method '{Method}', not '{other.Method}'";
        if (Model != other.Model) yield return $"its model is '{Model}', not '{other.Model}'";
        if (HierarchySignature != other.HierarchySignature)
            yield return $"its hierarchy is {HierarchySignature}, not {other.HierarchySignature}";
    }
}

/// <summary>Training progress stored beside the weights, so --resume continues where a run stopped.</summary>
/// <remarks>The plateau fields hold <see cref="PlateauSchedule"/>'s state (null for the cosine schedule).</remarks>
public sealed record TrainingProgress(int EpochsDone, int StepsDone, double BestScore, int BestEpoch,
    double? PlateauRate = null, double? PlateauBest = null, int PlateauBadEpochs = 0);

/// <summary>
/// Checkpoints as safetensors files: the model's state dict under <c>model.</c>, the optimiser's state under
/// <c>optim.</c>, and in the metadata the identity, the progress and the run's config. Written atomically; a corrupt file
/// or one from another model is an <see cref="ArborException"/>, never a crash.
/// </summary>
public static class Checkpoint
{
    const string ModelPrefix = "model.", OptimPrefix = "optim.";

    public static void Save(string path, nn.Module model, CheckpointIdentity identity, TrainingProgress? progress = null,
        IReadOnlyDictionary<string, Tensor>? optimizerState = null, string? configJson = null)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.state_dict()) tensors[ModelPrefix + name] = t;
        if (optimizerState is not null)
            foreach (var (name, t) in optimizerState) tensors[OptimPrefix + name] = t;
        var meta = new Dictionary<string, string>
        {
            ["format"] = "arbor-checkpoint/1",
            ["identity"] = JsonSerializer.Serialize(identity),
        };
        if (progress is not null) meta["progress"] = JsonSerializer.Serialize(progress);
        if (configJson is not null) meta["config"] = configJson;
        SafeTensors.Write(path, tensors, meta);
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="model"/> (strictly: every key and shape must match) after checking its
    /// identity. Returns the stored progress (null if none).
    /// </summary>
    public static TrainingProgress? Load(string path, nn.Module model, CheckpointIdentity expected) => Load(path, model, expected, null);

    /// <summary>As <see cref="Load(string, nn.Module, CheckpointIdentity)"/>, also restoring the optimiser's state when given one.</summary>
    internal static TrainingProgress? Load(string path, nn.Module model, CheckpointIdentity expected, ParameterOptimizer? optimizer)
    {
        if (!File.Exists(path)) throw new ArborException("checkpoint not found", path);
        using var content = SafeTensors.Read(path);
        if (!content.Metadata.TryGetValue("format", out var format) || format != "arbor-checkpoint/1")
            throw new ArborException("not an Arbor checkpoint (no arbor-checkpoint/1 format tag)", path);
        var identity = Parse<CheckpointIdentity>(content.Metadata, "identity", path)
                       ?? throw new ArborException("checkpoint has no identity", path);
        var differences = identity.Differences(expected).ToList();
        if (differences.Count > 0)
            throw new ArborException("checkpoint belongs to another model: " + string.Join("; ", differences), path);

        var state = model.state_dict();
        var problems = new List<string>();
        foreach (var (name, live) in state)
        {
            if (!content.TryGetValue(ModelPrefix + name, out var saved)) { problems.Add($"missing '{name}'"); continue; }
            if (!saved.shape.SequenceEqual(live.shape))
                problems.Add($"'{name}' has shape [{string.Join(",", saved.shape)}], model wants [{string.Join(",", live.shape)}]");
        }
        foreach (var key in content.Keys.Where(k => k.StartsWith(ModelPrefix, StringComparison.Ordinal)))
            if (!state.ContainsKey(key[ModelPrefix.Length..])) problems.Add($"unexpected '{key[ModelPrefix.Length..]}'");
        if (problems.Count > 0)
            throw new ArborException("checkpoint does not fit the model: " + string.Join("; ", problems.Take(10)) +
                                     (problems.Count > 10 ? $"; and {problems.Count - 10} more" : ""), path);
        using (no_grad())
            foreach (var (name, live) in state)
                live.copy_(content[ModelPrefix + name].to(live.dtype));

        if (optimizer is not null)
        {
            var optimState = content.Where(kv => kv.Key.StartsWith(OptimPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[OptimPrefix.Length..], kv => kv.Value);
            optimizer.LoadState(optimState, path);
        }
        return Parse<TrainingProgress>(content.Metadata, "progress", path);
    }

    /// <summary>The run config stored in a checkpoint's metadata, if any.</summary>
    public static string? ReadConfig(string path)
    {
        using var content = SafeTensors.Read(path);
        return content.Metadata.TryGetValue("config", out var c) ? c : null;
    }

    static T? Parse<T>(IReadOnlyDictionary<string, string> meta, string key, string path) where T : class
    {
        if (!meta.TryGetValue(key, out var json)) return null;
        try { return JsonSerializer.Deserialize<T>(json); }
        catch (JsonException e) { throw new ArborException($"checkpoint metadata '{key}' is malformed: {e.Message}", path); }
    }
}
