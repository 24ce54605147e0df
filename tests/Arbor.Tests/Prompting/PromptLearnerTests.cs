using Arbor.Hierarchy;
using Arbor.Methods.Hgclip;
using Arbor.Methods.Prompting;
using Arbor.Models.Clip;
using Arbor.Tests.HgclipTraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Prompting;

/// <summary>CoOp / VPT / IVLP prompt learners and class prompts on the clip-tiny checkpoint (2 layers per tower).</summary>
public sealed class PromptLearnerTests : IDisposable
{
    readonly TempFolder _tmp = TestPaths.NewTempFolder();
    readonly ClassHierarchy _hierarchy = BuiltInHierarchies.FashionMnist();
    readonly string _clipDir;

    public PromptLearnerTests() => _clipDir = ClipTinyFolder.Create(_tmp.File("clip"), _hierarchy);

    public void Dispose() => _tmp.Dispose();

    static float MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void ShallowContextStartsAsAPhotoOfASoPromptedFeaturesEqualThePlainTemplate()
    {
        using var scope = NewDisposeScope();
        using var clip = ClipModel.Load(_clipDir);
        var tokenizer = ClipTokenizer.Load(_clipDir);
        using var learner = new TextPromptLearner(clip, tokenizer, PromptOptions.Shallow);
        Assert.True(learner.InitialisedFromWords);
        Assert.Equal(1, learner.Depth);
        Assert.Null(learner.Prompts().Deep);

        using var mode = no_grad();
        var prompted = clip.EncodeText(ClassPrompts.PlaceholderTokens(tokenizer, _hierarchy, 4), learner.Prompts());
        var plain = clip.EncodeText(ClassPrompts.Tokens(tokenizer, ClassPrompts.TemplateTexts(_hierarchy)));
        Assert.Equal(new long[] { _hierarchy.Nodes.Count, 32 }, prompted.shape);
        Assert.True(MaxDiff(plain, prompted) < 1e-5, $"max diff {MaxDiff(plain, prompted)}");
    }

    [Fact]
    public void DeepPromptsAreClampedToTheTowersAndChangeTheFeatures()
    {
        using var scope = NewDisposeScope();
        using var clip = ClipModel.Load(_clipDir);
        var tokenizer = ClipTokenizer.Load(_clipDir);
        using var text = new TextPromptLearner(clip, tokenizer);          // depth 9 asked, the tower has 2 layers
        using var vision = new VisualPromptLearner(clip);
        Assert.Equal(2, text.Depth);
        Assert.Equal(2, vision.Depth);
        var textState = text.state_dict();
        Assert.Equal(new long[] { 4, 48 }, textState["ctx"].shape);
        Assert.Equal(new long[] { 1, 4, 48 }, textState["deep_ctx"].shape);
        var visionState = vision.state_dict();
        Assert.Equal(new long[] { 4, 64 }, visionState["ctx"].shape);
        Assert.Equal(new long[] { 1, 4, 64 }, visionState["deep_ctx"].shape);
        // Visual prompts and deep text context start N(0, 0.02): 256 draws have a std within a few % of it.
        double std = visionState["ctx"].std().item<float>();
        Assert.InRange(std, 0.015, 0.025);

        using var mode = no_grad();
        var tokens = ClassPrompts.PlaceholderTokens(tokenizer, _hierarchy, 4);
        var shallowOnly = clip.EncodeText(tokens, new TextPrompts(text.Prompts().Shallow));
        var deep = clip.EncodeText(tokens, text.Prompts());
        Assert.True(MaxDiff(shallowOnly, deep) > 1e-4);
        var image = randn(2, 3, 32, 32);
        var output = clip.EncodeImageWithTokens(image, vision.Prompts());
        Assert.Equal(new long[] { 2, 16 + 4, 32 }, output.Tokens.shape);
    }

    [Fact]
    public void ClassPromptsCoverEveryNodeInGlobalOrderWithUnderscoresAsSpacesAndTrimmedPadding()
    {
        var hierarchy = ClassHierarchy.FromLeafPaths("u", new[] { "a", "b" },
            new[] { new[] { "goods", "ankle_boot" }, new[] { "goods", "bag" } });
        Assert.Equal(new[] { "X X X X goods.", "X X X X ankle boot.", "X X X X bag." }, ClassPrompts.PlaceholderTexts(hierarchy, 4));
        Assert.Equal("a photo of a ankle boot.", ClassPrompts.TemplateTexts(hierarchy)[1]);

        var tokenizer = ClipTokenizer.Load(ClipTinyFolder.Create(_tmp.File("clip-u"), hierarchy));
        using var tokens = ClassPrompts.PlaceholderTokens(tokenizer, hierarchy, 4);
        // Longest: BOS, 4 × X, ankle, boot, ".", EOS = 9 columns of the 16; every row has BOS, then 4 placeholders.
        Assert.Equal(new long[] { 3, 9 }, tokens.shape);
        var rows = Enumerable.Range(0, 3).Select(i => tokens[i].data<long>().ToArray()).ToArray();
        long x = tokenizer.Encode("X")[0];
        foreach (var row in rows)
        {
            Assert.Equal(298, row[0]);
            Assert.All(row[1..5], id => Assert.Equal(x, id));
        }
        Assert.Equal(299, rows[1][8]);
        Assert.Equal(7, Array.IndexOf(rows[0], 299L));   // BOS, 4 × X, goods, ".", EOS
    }
}
