using System.Text;
using System.Text.Json;
using Arbor.Methods.Hgclip;
using Arbor.Models.Clip;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Arbor.Tests.Fuzz;

/// <summary>
/// The files of a CLIP folder — config.json, preprocessor_config.json, vocab.json, merges.txt — and the prototype cache:
/// edited files give a valid, bounded value or an <see cref="ArborException"/> (the cache: a miss).
/// </summary>
public sealed class ClipFilesFuzzTests(ITestOutputHelper output) : FuzzTests(output)
{
    static readonly string TinyConfig = File.ReadAllText(TestPaths.Fixture("clip-tiny", "config.json"));

    [Fact]
    public void Edited_configs_load_bounded_or_are_refused()
    {
        Files("clip-config", 30, "config.json", rng => new Mutator(rng).Text(TinyConfig), path => ClipConfig.Load(path),
            (_, c) =>
            {
                Assert.True(c.ParameterCount() <= ClipConfig.Limits.Parameters);
                Assert.InRange(c.Text.HiddenSize, 1, ClipConfig.Limits.Width);
                Assert.InRange(c.Vision.ImageSize, 1, ClipConfig.Limits.ImageSize);
                Assert.Equal(0, c.Vision.ImageSize % c.Vision.PatchSize);
            });
    }

    [Fact]
    public void Edited_configs_never_build_a_model_the_weights_cannot_fill()
    {
        // The whole loader (config + weights) on fewer cases: each accepted case builds the tiny model.
        var dir = Path.Combine(Tmp.Path, "clip");
        Directory.CreateDirectory(dir);
        File.Copy(TestPaths.Fixture("clip-tiny", "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var tally = FuzzHarness.Run("clip-model", FuzzSettings.Seed + 31, Math.Max(20, FuzzSettings.Iterations / 10),
            (rng, _) => new Mutator(rng).Text(TinyConfig),
            bytes => { File.WriteAllBytes(Path.Combine(dir, "config.json"), bytes); return ClipModel.Load(dir); },
            save: bytes => bytes);
        Output.WriteLine($"CLIP folder: {tally.Total} configs, {tally.Accepted} loaded, {tally.Refused} refused");
    }

    [Theory]
    [InlineData("\"model_type\": \"clip\"", "\"model_type\": 5", "model_type must be a string")]
    [InlineData("\"hidden_size\": 48", "\"hidden_size\": 2147483644", "at most")]
    [InlineData("\"hidden_size\": 48", "\"hidden_size\": \"48\"", "must be an integer")]
    [InlineData("\"projection_dim\": 32", "\"projection_dim\": 32, \"projection_dim\": 64", "appears twice")]
    public void Config_examples_from_the_issue_are_refused(string from, string to, string problem)
    {
        var dir = Path.Combine(Tmp.Path, "clip");
        Directory.CreateDirectory(dir);
        File.Copy(TestPaths.Fixture("clip-tiny", "model.safetensors"), Path.Combine(dir, "model.safetensors"), overwrite: true);
        Assert.Contains(from, TinyConfig);
        File.WriteAllText(Path.Combine(dir, "config.json"), TinyConfig.Replace(from, to));
        var (code, _, err) = CliHarness.Run("clip", "embed", "--clip", dir, "--tokens", TestPaths.Fixture("clip-tiny", "inputs.safetensors"),
            "--out", Tmp.File("out.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains(problem, err);
        Assert.Contains("config.json", err);
        Assert.False(File.Exists(Tmp.File("out.safetensors")));
    }

    [Fact]
    public void A_config_larger_than_its_weights_is_refused_before_allocating()
    {
        var dir = Path.Combine(Tmp.Path, "big");
        Directory.CreateDirectory(dir);
        File.Copy(TestPaths.Fixture("clip-tiny", "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        File.WriteAllText(Path.Combine(dir, "config.json"), TinyConfig.Replace("\"num_hidden_layers\": 2,\n    \"num_attention_heads\": 4,\n    \"max", "\"num_hidden_layers\": 200,\n    \"num_attention_heads\": 4,\n    \"max"));
        var e = Assert.ThrowsAny<ArborException>(() => ClipModel.Load(dir).Dispose());
        Assert.Contains("weights hold only", e.Message);
    }

    static string Preprocessor(Random rng) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["crop_size"] = rng.Next(2) == 0 ? 32 : new Dictionary<string, int> { ["height"] = 32, ["width"] = 32 },
        ["size"] = rng.Next(2) == 0 ? 32 : new Dictionary<string, int> { ["shortest_edge"] = 32 },
        ["do_resize"] = true, ["do_center_crop"] = true, ["do_normalize"] = rng.Next(2) == 0,
        ["image_mean"] = new[] { 0.48145466, 0.4578275, 0.40821073 }, ["image_std"] = new[] { 0.26862954, 0.26130258, 0.27577711 },
        ["rescale_factor"] = 0.00392156862745098, ["image_processor_type"] = "CLIPImageProcessor",
    });

    [Fact]
    public void Edited_preprocessor_configs_load_bounded_or_are_refused()
    {
        Files("preprocessor-config", 32, "preprocessor_config.json", rng => new Mutator(rng).Text(Preprocessor(rng)),
            path => ClipImageProcessor.Load(Path.GetDirectoryName(path)!),
            (_, p) =>
            {
                Assert.InRange(p.ShortestEdge, 1, ClipImageProcessor.MaxSize);
                Assert.InRange(p.CropHeight, 1, ClipImageProcessor.MaxSize);
                Assert.InRange(p.CropWidth, 1, ClipImageProcessor.MaxSize);
                Assert.All(p.Std, s => Assert.True(s > 0 && float.IsFinite(s)));
            });
    }

    static (string Vocab, string Merges) Tokenizer(Random rng)
    {
        var vocab = new Dictionary<string, int>();
        foreach (var c in "abcdefghijklmnop") { vocab[c.ToString()] = vocab.Count; vocab[c + "</w>"] = vocab.Count; }
        var merges = new List<string> { "#version: 0.2" };
        for (int i = 0; i < 1 + rng.Next(6); i++)
        {
            char a = (char)('a' + rng.Next(16)), b = (char)('a' + rng.Next(16));
            if (vocab.TryAdd($"{a}{b}</w>", vocab.Count)) merges.Add($"{a} {b}</w>");
        }
        vocab[ClipTokenizer.StartOfText] = vocab.Count;
        vocab[ClipTokenizer.EndOfText] = vocab.Count;
        return (JsonSerializer.Serialize(vocab), string.Join("\n", merges) + "\n");
    }

    [Fact]
    public void Edited_tokenizer_files_load_or_are_refused()
    {
        var vocabPath = Tmp.File("vocab.json");
        var mergesPath = Tmp.File("merges.txt");
        var tally = FuzzHarness.Run("tokenizer", FuzzSettings.Seed + 33, FuzzSettings.Iterations,
            (rng, _) =>
            {
                var (vocab, merges) = Tokenizer(rng);
                var m = new Mutator(rng);
                return rng.Next(2) == 0 ? (m.Text(vocab), Encoding.UTF8.GetBytes(merges)) : (Encoding.UTF8.GetBytes(vocab), m.Text(merges));
            },
            files =>
            {
                File.WriteAllBytes(vocabPath, files.Item1);
                File.WriteAllBytes(mergesPath, files.Item2);
                var tokenizer = ClipTokenizer.FromFiles(vocabPath, mergesPath, 16, vocabSize: 200);
                return tokenizer.Tokenize("a bad cab fig pop");
            },
            (_, ids) => Assert.All(ids, id => Assert.InRange(id, 0, 199)),
            files => [.. files.Item1, .. "\n----merges----\n"u8, .. files.Item2]);
        Output.WriteLine($"vocab.json/merges.txt: {tally.Total} pairs, {tally.Accepted} accepted, {tally.Refused} refused");
    }

    [Fact]
    public void Damaged_prototype_caches_are_misses()
    {
        var cache = new PrototypeCache(Path.Combine(Tmp.Path, "cache"));
        var key = PrototypeCache.Key("ckpt", "data", "tree");
        byte[] good;
        using (var scope = NewDisposeScope())
        {
            cache.Save(key, randn(5, 3));
            good = File.ReadAllBytes(cache.PathFor(key));
        }
        int hits = 0;
        var tally = FuzzHarness.Run("prototype-cache", FuzzSettings.Seed + 34, FuzzSettings.Iterations,
            (rng, _) => new Mutator(rng).Bytes(good),
            bytes =>
            {
                File.WriteAllBytes(cache.PathFor(key), bytes);
                using var loaded = cache.TryLoad(key, [5, 3]);
                if (loaded is not null)
                {
                    hits++;
                    Assert.Equal(good, bytes);           // only an undamaged file may be a hit
                }
                return 0;
            },
            save: bytes => bytes);
        Output.WriteLine($"prototype cache: {tally.Total} damaged files, {hits} hits (undamaged mutations only)");
    }
}
