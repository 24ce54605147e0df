using System.Text.Json;
using Arbor.Hierarchy;
using Arbor.Methods.ZeroShot;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

public class ZeroShotClassifierTests
{
    /// <summary>A character-level vocabulary (no merges) that fits clip-tiny's 300 ids, BOS 298, EOS 299.</summary>
    static ClipTokenizer CharTokenizer()
    {
        var vocab = new Dictionary<string, int>();
        foreach (var c in "abcdefghijklmnopqrstuvwxyz.") { vocab[c.ToString()] = vocab.Count; vocab[c + "</w>"] = vocab.Count; }
        vocab["<|startoftext|>"] = 298;
        vocab["<|endoftext|>"] = 299;
        return new ClipTokenizer(vocab, [], contextLength: 16);
    }

    static ClassHierarchy Toy() => new("toy", ["group", "animal"],
        [["pet", "wild"], ["cat", "dog", "fox", "sea_owl"]], [[], [0, 0, 1, 1]]);

    [Fact]
    public void LevelLogitsAreScaledCosinesAgainstAveragedTemplateEmbeddings()
    {
        using var scope = NewDisposeScope();
        using var model = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        var tokenizer = CharTokenizer();
        string[] templates = ["a {name}.", "the {}."];
        using var classifier = new ZeroShotClassifier(model, tokenizer, Toy(), templates);
        Assert.Equal(["a sea owl.", "the sea owl."], classifier.Prompts("sea_owl"));

        using var inputs = Arbor.IO.SafeTensors.Read(TestPaths.Fixture("clip-tiny", "inputs.safetensors"));
        var pixels = inputs["pixel_values"];
        var logits = classifier.LevelLogits(pixels);
        Assert.Equal(2, logits.Length);
        Assert.Equal(new long[] { 3, 2 }, logits[0].shape);
        Assert.Equal(new long[] { 3, 4 }, logits[1].shape);

        using var mode = torch.inference_mode();
        var image = nn.functional.normalize(model.EncodeImage(pixels), dim: -1);
        string[] leaves = ["cat", "dog", "fox", "sea owl"];
        var classes = torch.stack(leaves.Select(name =>
        {
            var e = nn.functional.normalize(model.EncodeText(tokenizer.Tokenize([$"a {name}.", $"the {name}."])), dim: -1);
            return nn.functional.normalize(e.mean([0]), dim: -1);
        }).ToArray());
        var expected = image.matmul(classes.t()) * 100;
        Assert.True((expected - logits[1]).abs().max().item<float>() < 1e-4);
    }

    [Fact]
    public void MarginalisedCoarseProbabilitiesSumTheirLeaves()
    {
        using var scope = NewDisposeScope();
        using var model = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        using var classifier = new ZeroShotClassifier(model, CharTokenizer(), Toy(),
            new ZeroShotOptions { Marginalize = true, Scale = ZeroShotScale.LogitScale });
        var pixels = torch.randn(5, 3, 32, 32);
        var probs = classifier.LevelProbabilities(pixels);
        var leaf = probs[1];
        var pet = leaf[.., 0] + leaf[.., 1];
        var wild = leaf[.., 2] + leaf[.., 3];
        Assert.True((probs[0] - torch.stack([pet, wild], 1)).abs().max().item<float>() < 1e-5);
        Assert.True((probs[0].sum(1) - 1).abs().max().item<float>() < 1e-5);
    }
}
