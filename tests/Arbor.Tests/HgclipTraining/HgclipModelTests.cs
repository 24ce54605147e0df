using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Methods.Prompting;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.HgclipTraining;

/// <summary>The HGCLIP model on clip-tiny: what trains, what the checkpoint holds per part, batched node prompts.</summary>
public sealed class HgclipModelTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly ClassHierarchy _hierarchy = BuiltInHierarchies.FashionMnist();
    readonly string _clipDir;

    public HgclipModelTests() => _clipDir = ClipTinyFolder.Create(_tmp.File("clip"), _hierarchy);

    public void Dispose() => _tmp.Dispose();

    HgclipModel Build(HgclipParts parts) =>
        new(ClipModel.Load(_clipDir), ClipTokenizer.Load(_clipDir), _hierarchy, new HgclipModelOptions { Parts = parts });

    [Fact]
    public void OnlyPromptsAndGraphEncodersGetGradientsNeverClip()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = Build(HgclipParts.All);
        model.SetPrototypes(randn(_hierarchy.Nodes.Count, 32));
        model.train();
        var images = randn(4, 3, 32, 32);
        var leaves = tensor(new long[] { 0, 5, 8, 9 });
        var loss = new HgclipLoss(_hierarchy).Compute(model.LevelLogits(images), leaves);
        loss.backward();

        var clipParameters = model.Clip.parameters().ToArray();
        Assert.NotEmpty(clipParameters);
        Assert.All(clipParameters, p =>
        {
            Assert.False(p.requires_grad);
            Assert.Null(p.grad);
        });
        // Every trainable tensor is a prompt or a graph-encoder weight, and each one receives a gradient.
        var named = model.named_parameters().ToArray();
        Assert.All(named, np => Assert.Matches(@"^(text_prompt|visual_prompt|head\.(text_graph|image_graph))\.", np.name));
        Assert.All(named, np => Assert.True(np.parameter.grad is { } g && g.abs().sum().item<float>() > 0, $"{np.name} got no gradient"));
        Assert.Equal(named.Length, model.TrainableParameters.Count);
        // The checkpoint state holds no CLIP weight; the prototypes are in it.
        var state = model.state_dict();
        Assert.DoesNotContain(state.Keys, k => k.Contains("text_model") || k.Contains("vision_model") || k.Contains("projection"));
        Assert.Contains("prototypes", state.Keys);
    }

    [Theory]
    [InlineData("none", new string[0])]
    [InlineData("text-prompt", new[] { "text_prompt" })]
    [InlineData("text-prompt,text-graph", new[] { "text_prompt", "head.text_graph" })]
    [InlineData("text-prompt,visual-prompt", new[] { "text_prompt", "visual_prompt" })]
    [InlineData("all", new[] { "text_prompt", "visual_prompt", "head.text_graph", "head.image_graph", "prototypes" })]
    public void PartsSwitchTheirModulesOnAndOff(string parts, string[] prefixes)
    {
        using var model = Build(HgclipPartsParser.Parse(parts));
        var groups = model.state_dict().Keys.Select(k => prefixes.FirstOrDefault(p => k == p || k.StartsWith(p + ".")) ?? k).Distinct();
        Assert.Equal(prefixes.OrderBy(p => p), groups.OrderBy(p => p));
        // Parameter counts: text prompt 4·48 + 1·4·48; visual 4·64 + 1·4·64; a graph encoder on P = 32: 32 → 64 → 64 → 32.
        long Gat(int i, int o) => (long)o * i + 2 * o + o;
        long graph = Gat(32, 64) + Gat(64, 64) + Gat(64, 32);
        long expected = 0;
        var p = HgclipPartsParser.Parse(parts);
        if (p.HasFlag(HgclipParts.TextPrompt)) expected += 8 * 48;
        if (p.HasFlag(HgclipParts.VisualPrompt)) expected += 8 * 64;
        if (p.HasFlag(HgclipParts.TextGraph)) expected += graph;
        if (p.HasFlag(HgclipParts.VisualGraph)) expected += graph;
        Assert.Equal(expected, model.TrainableParameters.Sum(t => t.numel()));
    }

    [Fact]
    public void NodeFeaturesFromOneBatchedPassEqualEachPromptEncodedAlone()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = Build(HgclipParts.TextPrompt);
        using var mode = no_grad();
        var all = model.NodeTextFeatures();
        var tokenizer = ClipTokenizer.Load(_clipDir);
        var prompts = model.TextPrompt!.Prompts();
        var texts = ClassPrompts.PlaceholderTexts(_hierarchy, 4);
        for (int i = 0; i < texts.Count; i++)
        {
            var alone = model.Clip.EncodeText(tensor(tokenizer.Tokenize(texts[i]), [1, tokenizer.ContextLength]), prompts);
            Assert.True((alone[0] - all[i]).abs().max().item<float>() < 1e-5, $"node {i}");
        }
    }

    [Fact]
    public void WithoutTheVisualGraphTheLogitsAreScaledCosinesOfTheLevelsNodes()
    {
        using var scope = NewDisposeScope();
        using var model = Build(HgclipParts.TextPrompt | HgclipParts.VisualPrompt);
        using var mode = no_grad();
        var images = randn(3, 3, 32, 32);
        var logits = model.LevelLogits(images);
        var f = nn.functional.normalize(model.ImageFeatures(images).Embeds, dim: -1);
        var t = nn.functional.normalize(model.NodeTextFeatures(), dim: -1);
        var all = model.Clip.LogitScale.exp() * f.matmul(t.t());
        for (int level = 1; level <= 3; level++)
        {
            var expected = all.narrow(1, _hierarchy.LevelOffset(level), _hierarchy.ClassesAt(level));
            Assert.True((expected - logits[level - 1]).abs().max().item<float>() < 1e-4);
        }
    }
}
