using System.Text.Json.Nodes;

namespace Arbor.Models.Clip;

/// <summary>The text tower's settings (Hugging Face <c>CLIPTextConfig</c>; defaults are Hugging Face's).</summary>
public sealed record ClipTextConfig
{
    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 8;
    /// <summary>Context length: the number of token positions.</summary>
    public int MaxPositionEmbeddings { get; init; } = 77;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;
    public int PadTokenId { get; init; } = 1;
    public int BosTokenId { get; init; } = 49406;
    /// <summary>End-of-text id. The value 2 marks legacy OpenAI exports, which pool at <c>argmax(input_ids)</c>.</summary>
    public int EosTokenId { get; init; } = 49407;
}

/// <summary>The vision tower's settings (Hugging Face <c>CLIPVisionConfig</c>; defaults are Hugging Face's).</summary>
public sealed record ClipVisionConfig
{
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int NumChannels { get; init; } = 3;
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 32;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Patches per image: (image size / patch size)².</summary>
    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);
}

/// <summary>
/// A CLIP model's configuration as Hugging Face's <c>config.json</c> holds it: <c>text_config</c>, <c>vision_config</c>
/// (or the legacy <c>text_config_dict</c> / <c>vision_config_dict</c>, which take precedence as in Hugging Face),
/// <c>projection_dim</c> and <c>logit_scale_init_value</c>. Missing keys take Hugging Face's defaults.
/// </summary>
public sealed record ClipConfig
{
    public ClipTextConfig Text { get; init; } = new();
    public ClipVisionConfig Vision { get; init; } = new();
    public int ProjectionDim { get; init; } = 512;
    public double LogitScaleInitValue { get; init; } = 2.6592;

    /// <summary>The activations Hugging Face CLIP configs name and Arbor computes.</summary>
    public static readonly IReadOnlyList<string> KnownActivations = ["quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"];

    /// <summary>
    /// Reads and checks a <c>config.json</c>: strict UTF-8 JSON without duplicate keys, every value of the right type, every
    /// size within <see cref="Limits"/> (checked before any tensor is allocated). With <paramref name="requireModelType"/>,
    /// a config without <c>model_type</c> is refused.
    /// </summary>
    public static ClipConfig Load(string path, bool requireModelType = false)
    {
        if (!File.Exists(path)) throw new ArborException("config file not found", path);
        var text = IO.TextInput.ReadFile(path, IO.InputLimits.ConfigFileBytes, "config.json");
        using (IO.JsonInput.Parse(text, path, "config.json")) { }    // strict checks: duplicate keys, lone surrogates, depth
        if (JsonNode.Parse(text) is not JsonObject obj) throw new ArborException("config must be a JSON object", path);
        var modelType = obj["model_type"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
            var other => throw new ArborException($"model_type must be a string, found {Describe(other)}", path),
        };
        if (modelType is null && requireModelType) throw new ArborException("config.json has no model_type; expected \"clip\"", path);
        if (modelType is not null && modelType != "clip")
            throw new ArborException($"model_type is '{modelType}', not 'clip': this is not a CLIP checkpoint", path);
        return FromJson(obj, path);
    }

    /// <summary>Builds a configuration from a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static ClipConfig FromJson(JsonObject obj, string source)
    {
        try
        {
            var text = Merge(obj["text_config"], obj["text_config_dict"], source, "text_config");
            var vision = Merge(obj["vision_config"], obj["vision_config_dict"], source, "vision_config");
            var defaultsText = new ClipTextConfig();
            var defaultsVision = new ClipVisionConfig();
            var config = new ClipConfig
            {
                ProjectionDim = Int(obj, "projection_dim", 512),
                LogitScaleInitValue = Double(obj, "logit_scale_init_value", 2.6592),
                Text = new ClipTextConfig
                {
                    VocabSize = Int(text, "vocab_size", defaultsText.VocabSize),
                    HiddenSize = Int(text, "hidden_size", defaultsText.HiddenSize),
                    IntermediateSize = Int(text, "intermediate_size", defaultsText.IntermediateSize),
                    NumHiddenLayers = Int(text, "num_hidden_layers", defaultsText.NumHiddenLayers),
                    NumAttentionHeads = Int(text, "num_attention_heads", defaultsText.NumAttentionHeads),
                    MaxPositionEmbeddings = Int(text, "max_position_embeddings", defaultsText.MaxPositionEmbeddings),
                    HiddenAct = Str(text, "hidden_act", defaultsText.HiddenAct),
                    LayerNormEps = Double(text, "layer_norm_eps", defaultsText.LayerNormEps),
                    PadTokenId = Int(text, "pad_token_id", defaultsText.PadTokenId),
                    BosTokenId = Int(text, "bos_token_id", defaultsText.BosTokenId),
                    EosTokenId = Int(text, "eos_token_id", defaultsText.EosTokenId),
                },
                Vision = new ClipVisionConfig
                {
                    HiddenSize = Int(vision, "hidden_size", defaultsVision.HiddenSize),
                    IntermediateSize = Int(vision, "intermediate_size", defaultsVision.IntermediateSize),
                    NumHiddenLayers = Int(vision, "num_hidden_layers", defaultsVision.NumHiddenLayers),
                    NumAttentionHeads = Int(vision, "num_attention_heads", defaultsVision.NumAttentionHeads),
                    NumChannels = Int(vision, "num_channels", defaultsVision.NumChannels),
                    ImageSize = Int(vision, "image_size", defaultsVision.ImageSize),
                    PatchSize = Int(vision, "patch_size", defaultsVision.PatchSize),
                    HiddenAct = Str(vision, "hidden_act", defaultsVision.HiddenAct),
                    LayerNormEps = Double(vision, "layer_norm_eps", defaultsVision.LayerNormEps),
                },
            };
            config.Validate(source);
            return config;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or System.Text.Json.JsonException)
        {
            throw new ArborException($"malformed CLIP config: {e.Message}", source, e);
        }
    }

    /// <summary>
    /// Upper bounds on a config's sizes, far above any published CLIP (ViT-bigG: width 1664, 48 layers, 16 heads), so a
    /// damaged or hostile config cannot make the model allocate without bound.
    /// </summary>
    public static class Limits
    {
        public const int Width = 16_384, Layers = 256, Heads = 1_024, Vocabulary = 1_000_000, Positions = 16_384,
            ImageSize = 4_096, Channels = 16, ProjectionDim = 16_384;

        /// <summary>Parameters of the whole model: 16 billion (64 GB as float32).</summary>
        public const long Parameters = 16_000_000_000;
    }

    /// <summary>
    /// The number of parameters the model has (a close lower bound: every weight matrix, embedding and bias; layer norms
    /// counted too). Used to refuse a config whose model cannot be what its weight file holds, before allocating.
    /// </summary>
    public long ParameterCount()
    {
        static long Tower(long width, long intermediate, long layers) =>
            layers * (4 * (width * width + width) + 2 * width * intermediate + intermediate + width + 4 * width) + 2 * width;
        long text = (long)Text.VocabSize * Text.HiddenSize + (long)Text.MaxPositionEmbeddings * Text.HiddenSize
            + Tower(Text.HiddenSize, Text.IntermediateSize, Text.NumHiddenLayers) + (long)ProjectionDim * Text.HiddenSize;
        long patches = (long)(Vision.ImageSize / Vision.PatchSize) * (Vision.ImageSize / Vision.PatchSize);
        long vision = (long)Vision.NumChannels * Vision.PatchSize * Vision.PatchSize * Vision.HiddenSize
            + (patches + 2) * Vision.HiddenSize + 2L * Vision.HiddenSize
            + Tower(Vision.HiddenSize, Vision.IntermediateSize, Vision.NumHiddenLayers) + (long)ProjectionDim * Vision.HiddenSize;
        return text + vision + 1;
    }

    /// <summary>Checks that the sizes fit together (heads divide widths, patches tile the image, activations are known).</summary>
    public void Validate(string? source = null)
    {
        void Check(bool ok, string problem)
        {
            if (!ok) throw new ArborException($"invalid CLIP config: {problem}", source);
        }
        Check(Text.HiddenSize > 0 && Text.NumAttentionHeads > 0 && Text.HiddenSize % Text.NumAttentionHeads == 0,
            $"text hidden_size {Text.HiddenSize} is not a positive multiple of num_attention_heads {Text.NumAttentionHeads}");
        Check(Vision.HiddenSize > 0 && Vision.NumAttentionHeads > 0 && Vision.HiddenSize % Vision.NumAttentionHeads == 0,
            $"vision hidden_size {Vision.HiddenSize} is not a positive multiple of num_attention_heads {Vision.NumAttentionHeads}");
        Check(Vision.PatchSize > 0 && Vision.ImageSize > 0 && Vision.ImageSize % Vision.PatchSize == 0,
            $"image_size {Vision.ImageSize} is not a multiple of patch_size {Vision.PatchSize}");
        Check(Text.VocabSize > 0 && Text.MaxPositionEmbeddings > 0 && Text.NumHiddenLayers >= 0 && Vision.NumHiddenLayers >= 0 &&
              Text.IntermediateSize > 0 && Vision.IntermediateSize > 0 && ProjectionDim > 0 && Vision.NumChannels > 0,
            "sizes must be positive");
        Check(Text.HiddenSize <= Limits.Width && Vision.HiddenSize <= Limits.Width && Text.IntermediateSize <= 8 * Limits.Width &&
              Vision.IntermediateSize <= 8 * Limits.Width, $"widths must be at most {Limits.Width} (intermediate: {8 * Limits.Width})");
        Check(Text.NumHiddenLayers <= Limits.Layers && Vision.NumHiddenLayers <= Limits.Layers, $"at most {Limits.Layers} layers per tower");
        Check(Text.NumAttentionHeads <= Limits.Heads && Vision.NumAttentionHeads <= Limits.Heads, $"at most {Limits.Heads} attention heads");
        Check(Text.VocabSize <= Limits.Vocabulary, $"vocab_size {Text.VocabSize} is over the {Limits.Vocabulary} limit");
        Check(Text.MaxPositionEmbeddings <= Limits.Positions, $"max_position_embeddings {Text.MaxPositionEmbeddings} is over the {Limits.Positions} limit");
        Check(Vision.ImageSize <= Limits.ImageSize, $"image_size {Vision.ImageSize} is over the {Limits.ImageSize} limit");
        Check(Vision.NumChannels <= Limits.Channels, $"num_channels {Vision.NumChannels} is over the {Limits.Channels} limit");
        Check(ProjectionDim <= Limits.ProjectionDim, $"projection_dim {ProjectionDim} is over the {Limits.ProjectionDim} limit");
        Check(ParameterCount() <= Limits.Parameters, $"the model would have {ParameterCount():N0} parameters, over the {Limits.Parameters:N0} limit");
        Check(Text.PadTokenId >= 0 && Text.BosTokenId >= 0 && Text.EosTokenId >= 0, "token ids must not be negative");
        Check(Text.LayerNormEps > 0 && double.IsFinite(Text.LayerNormEps) && Vision.LayerNormEps > 0 && double.IsFinite(Vision.LayerNormEps),
            "layer_norm_eps must be positive and finite");
        Check(double.IsFinite(LogitScaleInitValue), "logit_scale_init_value must be finite");
        Check(KnownActivations.Contains(Text.HiddenAct), $"text hidden_act '{Text.HiddenAct}' is not one of {string.Join(", ", KnownActivations)}");
        Check(KnownActivations.Contains(Vision.HiddenAct), $"vision hidden_act '{Vision.HiddenAct}' is not one of {string.Join(", ", KnownActivations)}");
    }

    static JsonObject Merge(JsonNode? config, JsonNode? legacy, string source, string name)
    {
        var merged = new JsonObject();
        foreach (var (node, key) in new[] { (config, name), (legacy, name + "_dict") })
        {
            if (node is null) continue;
            if (node is not JsonObject o) throw new ArborException($"'{key}' must be an object", source);
            foreach (var (k, v) in o) merged[k] = v?.DeepClone();
        }
        return merged;
    }

    // Typed getters: a value of the wrong type is an error naming the key (not an InvalidOperationException).
    static int Int(JsonObject o, string key, int fallback)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue(out int i)) return i;
        if (o[key] is JsonValue d && d.GetValueKind() == System.Text.Json.JsonValueKind.Number && d.TryGetValue(out double x) &&
            x == Math.Floor(x) && x is >= int.MinValue and <= int.MaxValue)
            return (int)x;
        throw new FormatException($"'{key}' must be an integer that fits in 32 bits, found {Describe(o[key])}");
    }

    static double Double(JsonObject o, string key, double fallback)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue(out double d)) return d;
        throw new FormatException($"'{key}' must be a number, found {Describe(o[key])}");
    }

    static string Str(JsonObject o, string key, string fallback)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String) return v.GetValue<string>();
        throw new FormatException($"'{key}' must be a string, found {Describe(o[key])}");
    }

    static string Describe(JsonNode? node)
    {
        var json = node?.ToJsonString() ?? "null";
        return json.Length > 40 ? json[..40] + "…" : json;
    }
}
