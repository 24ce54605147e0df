using System.Text.Json.Nodes;
using Arbor.IO;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>Loading a Hugging Face CLIP folder: what is checked and how problems are reported.</summary>
public class ClipLoadingTests
{
    static string SavedModel(TempFolder dir, string name = "m")
    {
        using var model = ClipTestModels.Random(ClipTestModels.QuickGeluFirstEos, seed: 1);
        ClipTestModels.Save(model, dir.File(name));
        return dir.File(name);
    }

    static void Rewrite(string folder, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>> change)
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(folder, "model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var read = SafeTensors.Read(path)) tensors = change(read.ToDictionary(kv => kv.Key, kv => kv.Value.clone()));
        SafeTensors.Write(path, tensors);
    }

    [Fact]
    public void RenamedKeyIsReportedAsMissingAndUnexpected()
    {
        using var dir = TestPaths.NewTempFolder();
        var folder = SavedModel(dir);
        Rewrite(folder, t =>
        {
            t["text_model.encoder.layers.1.mlp.fc_1.weight"] = t["text_model.encoder.layers.1.mlp.fc1.weight"];
            t.Remove("text_model.encoder.layers.1.mlp.fc1.weight");
            return t;
        });
        var e = Assert.Throws<ArborException>(() => ClipModel.Load(folder));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("missing keys (1): text_model.encoder.layers.1.mlp.fc1.weight", e.Message);
        Assert.Contains("unexpected keys (1): text_model.encoder.layers.1.mlp.fc_1.weight", e.Message);
    }

    [Fact]
    public void WrongShapeIsReportedWithBothShapes()
    {
        using var dir = TestPaths.NewTempFolder();
        var folder = SavedModel(dir);
        Rewrite(folder, t =>
        {
            t["visual_projection.weight"] = torch.zeros(9, 32);
            t.Remove("logit_scale");
            return t;
        });
        var e = Assert.Throws<ArborException>(() => ClipModel.Load(folder));
        Assert.Contains("visual_projection.weight: checkpoint [9, 32], model [8, 32]", e.Message);
        Assert.Contains("missing keys (1): logit_scale", e.Message);   // reported together
    }

    [Fact]
    public void TruncatedCheckpointIsAClearError()
    {
        using var dir = TestPaths.NewTempFolder();
        var folder = SavedModel(dir);
        var path = Path.Combine(folder, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<ArborException>(() => ClipModel.Load(folder));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ShardedCheckpointLoadsLikeTheSingleFile()
    {
        using var dir = TestPaths.NewTempFolder();
        var folder = SavedModel(dir);
        using var scope = NewDisposeScope();
        using var single = ClipModel.Load(folder);
        var path = Path.Combine(folder, "model.safetensors");
        var map = new JsonObject();
        using (var all = SafeTensors.Read(path))
        {
            var keys = all.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            var shards = new[] { keys.Where(k => k.StartsWith("text_")), keys.Where(k => !k.StartsWith("text_")) };
            for (int i = 0; i < 2; i++)
            {
                var shard = $"model-0000{i + 1}-of-00002.safetensors";
                SafeTensors.Write(Path.Combine(folder, shard), shards[i].ToDictionary(k => k, k => all[k]));
                foreach (var k in shards[i]) map[k] = shard;
            }
        }
        File.Delete(path);
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());
        using var sharded = ClipModel.Load(folder);
        foreach (var (key, p) in single.state_dict())
            Assert.True(p.eq(sharded.state_dict()[key]).all().item<bool>(), key);
    }

    [Fact]
    public void LegacyPositionIdsAreSkippedAndTheFixtureCarriesThem()
    {
        var header = SafeTensorsHeader.Read(TestPaths.Fixture("clip-tiny", "model.safetensors"));
        Assert.Contains("text_model.embeddings.position_ids", header.Entries.Keys);
        using var model = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        Assert.DoesNotContain(model.state_dict().Keys, k => k.EndsWith("position_ids"));
    }

    [Fact]
    public void FolderProblemsAreListed()
    {
        using var dir = TestPaths.NewTempFolder();
        Directory.CreateDirectory(dir.File("empty"));
        var e = Assert.Throws<ArborException>(() => ClipModel.Load(dir.File("empty")));
        Assert.Contains("missing config.json, model.safetensors", e.Message);
        Assert.Throws<ArborException>(() => ClipModel.Load(dir.File("nowhere")));

        var folder = SavedModel(dir);
        var configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["model_type"] = "siglip";
        File.WriteAllText(configPath, config.ToJsonString());
        e = Assert.Throws<ArborException>(() => ClipModel.Load(folder));
        Assert.Contains("model_type is 'siglip'", e.Message);
        config["model_type"] = "clip";
        config["text_config"]!["hidden_act"] = "swish";
        File.WriteAllText(configPath, config.ToJsonString());
        e = Assert.Throws<ArborException>(() => ClipModel.Load(folder));
        Assert.Contains("hidden_act 'swish'", e.Message);
        File.WriteAllText(configPath, "{ not json");
        e = Assert.Throws<ArborException>(() => ClipModel.Load(folder));
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void ConfigTakesHuggingFaceDefaultsAndLegacyDictsWin()
    {
        using var dir = TestPaths.NewTempFolder();
        var path = dir.File("config.json");
        File.WriteAllText(path, """
            {"model_type": "clip", "text_config": {"hidden_size": 64, "eos_token_id": 2},
             "text_config_dict": {"hidden_size": 128}, "vision_config_dict": {"patch_size": 16, "hidden_act": "gelu"}}
            """);
        var c = ClipConfig.Load(path);
        Assert.Equal(128, c.Text.HiddenSize);
        Assert.Equal(2, c.Text.EosTokenId);
        Assert.Equal(77, c.Text.MaxPositionEmbeddings);
        Assert.Equal(49408, c.Text.VocabSize);
        Assert.Equal(16, c.Vision.PatchSize);
        Assert.Equal("gelu", c.Vision.HiddenAct);
        Assert.Equal(768, c.Vision.HiddenSize);
        Assert.Equal(512, c.ProjectionDim);
        Assert.Equal(2.6592, c.LogitScaleInitValue);
        File.WriteAllText(path, """{"model_type": "clip", "vision_config": {"image_size": 100, "patch_size": 16}}""");
        Assert.Contains("not a multiple", Assert.Throws<ArborException>(() => ClipConfig.Load(path)).Message);
    }
}
