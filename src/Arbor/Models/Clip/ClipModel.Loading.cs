using Arbor.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Models.Clip;

public sealed partial class ClipModel
{
    /// <summary>The weight files a Hugging Face CLIP folder may hold, in the order they are looked for.</summary>
    public static readonly IReadOnlyList<string> WeightFileNames = ["model.safetensors", "model.safetensors.index.json"];

    /// <summary>
    /// Loads a Hugging Face CLIP folder: <c>config.json</c> (<c>model_type</c> "clip") and <c>model.safetensors</c> or a
    /// sharded <c>model.safetensors.index.json</c>. A folder missing either, or holding another model type, is an error
    /// listing what is wrong. Weights load strictly by name (see <see cref="LoadWeights"/>); the model is in eval mode.
    /// </summary>
    public static ClipModel Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new ArborException("CLIP folder not found", dir);
        var configPath = Path.Combine(dir, "config.json");
        var weights = WeightFileNames.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);
        var missing = new List<string>();
        if (!File.Exists(configPath)) missing.Add("config.json");
        if (weights is null)
            missing.Add(File.Exists(Path.Combine(dir, "pytorch_model.bin"))
                ? "model.safetensors (only pytorch_model.bin is present; convert it to safetensors)"
                : "model.safetensors (or model.safetensors.index.json)");
        if (missing.Count > 0)
            throw new ArborException($"not a Hugging Face CLIP folder: missing {string.Join(", ", missing)}", dir);
        var config = ClipConfig.Load(configPath, requireModelType: true);
        CheckWeightsCanHold(config, weights!, configPath);

        var model = new ClipModel(config);
        try
        {
            using var tensors = weights!.EndsWith(".index.json", StringComparison.Ordinal)
                ? SafeTensors.ReadSharded(weights) : SafeTensors.Read(weights);
            model.LoadWeights(tensors, weights);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    // Refuses a config describing a model larger than its weight files could fill (at two bytes per parameter, the
    // smallest float type) before a single parameter is allocated.
    static void CheckWeightsCanHold(ClipConfig config, string weights, string configPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(weights))!;
        long bytes = weights.EndsWith(".index.json", StringComparison.Ordinal)
            ? Directory.EnumerateFiles(folder, "*.safetensors").Sum(f => new FileInfo(f).Length)
            : new FileInfo(weights).Length;
        long parameters = config.ParameterCount();
        if (parameters > bytes / 2 + 1024)
            throw new ArborException($"describes a model of {parameters:N0} parameters, but the weights hold only {bytes:N0} bytes " +
                "(config and weights do not belong together)", configPath);
    }

    /// <summary>
    /// Copies weights by name. Legacy <c>*.position_ids</c> buffers are skipped; otherwise loading is strict: every
    /// missing key, unexpected key and shape mismatch is reported together in one <see cref="ArborException"/> naming
    /// <paramref name="source"/>, and nothing is copied unless everything matches. Tensors must already be float32
    /// (the safetensors reader converts F16/BF16).
    /// </summary>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var own = state_dict();
        var missing = new List<string>();
        var mismatched = new List<string>();
        foreach (var (name, target) in own)
        {
            if (!tensors.TryGetValue(name, out var value)) missing.Add(name);
            else if (!value.shape.SequenceEqual(target.shape))
                mismatched.Add($"{name}: checkpoint [{string.Join(", ", value.shape)}], model [{string.Join(", ", target.shape)}]");
            else if (!value.is_floating_point())
                mismatched.Add($"{name}: checkpoint holds {value.dtype}, a float tensor is expected");
        }
        var unexpected = tensors.Keys.Where(k => !own.ContainsKey(k) && !IsLegacyBuffer(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (missing.Count + mismatched.Count + unexpected.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing keys ({missing.Count}): {Listing(missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected keys ({unexpected.Count}): {Listing(unexpected)}");
            if (mismatched.Count > 0) parts.Add($"shape mismatches ({mismatched.Count}): {Listing(mismatched)}");
            throw new ArborException($"checkpoint does not fit the CLIP model of config.json — {string.Join("; ", parts)}", source);
        }
        using var noGrad = torch.no_grad();
        foreach (var (name, target) in own)
            target.copy_(tensors[name]);
    }

    static bool IsLegacyBuffer(string key) => key.EndsWith(".position_ids", StringComparison.Ordinal);

    static string Listing(List<string> items) =>
        string.Join(", ", items.Take(12)) + (items.Count > 12 ? $", … ({items.Count - 12} more)" : "");
}
