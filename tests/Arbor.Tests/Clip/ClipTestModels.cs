using System.Text.Json.Nodes;
using Arbor.IO;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>Small random CLIP configurations and checkpoints in the Hugging Face layout, made in the test.</summary>
internal static class ClipTestModels
{
    /// <summary>gelu, legacy eos_token_id 2 (argmax pooling), odd widths.</summary>
    public static ClipConfig GeluLegacyEos => new()
    {
        ProjectionDim = 12,
        LogitScaleInitValue = 1.3,
        Text = new ClipTextConfig
        {
            VocabSize = 50, HiddenSize = 40, IntermediateSize = 72, NumHiddenLayers = 3, NumAttentionHeads = 5,
            MaxPositionEmbeddings = 10, HiddenAct = "gelu", LayerNormEps = 1e-6, BosTokenId = 48, EosTokenId = 2,
        },
        Vision = new ClipVisionConfig
        {
            HiddenSize = 24, IntermediateSize = 40, NumHiddenLayers = 3, NumAttentionHeads = 3, ImageSize = 12, PatchSize = 4,
            HiddenAct = "gelu", LayerNormEps = 1e-6,
        },
    };

    /// <summary>quick_gelu, an ordinary eos id (first-EOS pooling).</summary>
    public static ClipConfig QuickGeluFirstEos => new()
    {
        ProjectionDim = 8,
        Text = new ClipTextConfig
        {
            VocabSize = 30, HiddenSize = 16, IntermediateSize = 20, NumHiddenLayers = 2, NumAttentionHeads = 2,
            MaxPositionEmbeddings = 9, HiddenAct = "quick_gelu", BosTokenId = 28, EosTokenId = 29,
        },
        Vision = new ClipVisionConfig
        {
            HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 8, ImageSize = 16, PatchSize = 8,
        },
    };

    /// <summary>A random model whose weights are all non-trivial (LayerNorm and biases perturbed too).</summary>
    public static ClipModel Random(ClipConfig config, int seed)
    {
        torch.manual_seed(seed);
        var model = new ClipModel(config);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.EndsWith(".bias") || name.Contains("layer_norm") || name.Contains("layrnorm") || name.Contains("layernorm"))
                p.add_(torch.randn_like(p) * 0.1);
        model.eval();
        return model;
    }

    /// <summary>Writes config.json (Hugging Face keys) and model.safetensors (optionally stored as float16).</summary>
    public static void Save(ClipModel model, string dir, ScalarType storage = ScalarType.Float32, bool legacyConfigDicts = false)
    {
        var c = model.Config;
        var text = new JsonObject
        {
            ["vocab_size"] = c.Text.VocabSize, ["hidden_size"] = c.Text.HiddenSize, ["intermediate_size"] = c.Text.IntermediateSize,
            ["num_hidden_layers"] = c.Text.NumHiddenLayers, ["num_attention_heads"] = c.Text.NumAttentionHeads,
            ["max_position_embeddings"] = c.Text.MaxPositionEmbeddings, ["hidden_act"] = c.Text.HiddenAct,
            ["layer_norm_eps"] = c.Text.LayerNormEps, ["bos_token_id"] = c.Text.BosTokenId, ["eos_token_id"] = c.Text.EosTokenId,
        };
        var vision = new JsonObject
        {
            ["hidden_size"] = c.Vision.HiddenSize, ["intermediate_size"] = c.Vision.IntermediateSize,
            ["num_hidden_layers"] = c.Vision.NumHiddenLayers, ["num_attention_heads"] = c.Vision.NumAttentionHeads,
            ["image_size"] = c.Vision.ImageSize, ["patch_size"] = c.Vision.PatchSize, ["hidden_act"] = c.Vision.HiddenAct,
            ["layer_norm_eps"] = c.Vision.LayerNormEps,
        };
        var config = new JsonObject
        {
            ["model_type"] = "clip", ["projection_dim"] = c.ProjectionDim, ["logit_scale_init_value"] = c.LogitScaleInitValue,
            [legacyConfigDicts ? "text_config_dict" : "text_config"] = text,
            [legacyConfigDicts ? "vision_config_dict" : "vision_config"] = vision,
        };
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        using var scope = NewDisposeScope();
        var tensors = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to_type(storage));
        SafeTensors.Write(Path.Combine(dir, "model.safetensors"), tensors);
    }
}
