using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>The prompt hooks HGCLIP's prompt learners plug into.</summary>
public class ClipPromptTests
{
    static void Close(Tensor expected, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        float diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tol, $"max |diff| {diff} > {tol}");
    }

    static Tensor Ids() => tensor(new long[]
    {
        28, 3, 4, 5, 6, 11, 29, 0, 0,
        28, 3, 4, 5, 6, 12, 13, 29, 0,
    }, [2, 9]);

    [Fact]
    public void ShallowTextPromptEqualToTheWordEmbeddingsGivesThePlainForward()
    {
        using var scope = NewDisposeScope();
        using var model = ClipTestModels.Random(ClipTestModels.QuickGeluFirstEos, seed: 2);
        using var mode = torch.inference_mode();
        var ids = Ids();
        var plain = model.EncodeText(ids);
        var words = model.TextModel.Embeddings.Tokens(ids[0, 1..5]);   // the 4 placeholder words of both rows
        Close(plain, model.EncodeText(ids, new TextPrompts(words)));
        Close(plain, model.EncodeText(ids, new TextPrompts(null, [])));
        var perText = model.TextModel.Embeddings.Tokens(ids[.., 1..5]);   // [T, nCtx, width]
        Close(plain, model.EncodeText(ids, new TextPrompts(perText)));
        // A different context changes the output.
        Assert.True((plain - model.EncodeText(ids, new TextPrompts(torch.randn(4, 16)))).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void TextPromptsReplaceTheSpecifiedPositions()
    {
        using var scope = NewDisposeScope();
        var config = ClipTestModels.QuickGeluFirstEos with { Text = ClipTestModels.QuickGeluFirstEos.Text with { NumHiddenLayers = 3 } };
        using var model = ClipTestModels.Random(config, seed: 4);
        var reference = new ClipReference(model);
        using var mode = torch.inference_mode();
        var ids = Ids();
        var shallow = torch.randn(3, 16);
        var deep = new[] { torch.randn(3, 16), torch.randn(3, 16) };
        Close(reference.Text(ids, shallow, deep), model.EncodeText(ids, new TextPrompts(shallow, deep)));
        Close(reference.Text(ids, shallow, deep[..1]), model.EncodeText(ids, new TextPrompts(shallow, deep[..1])));
        Assert.Throws<ArgumentException>(() => model.EncodeText(ids, new TextPrompts(shallow, [deep[0], deep[1], deep[0]])));
        Assert.Throws<ArgumentException>(() => model.EncodeText(ids, new TextPrompts(torch.randn(3, 15))));
    }

    [Fact]
    public void VisionPromptsAreAppendedAndReplacedPerLayer()
    {
        using var scope = NewDisposeScope();
        using var model = ClipTestModels.Random(ClipTestModels.GeluLegacyEos, seed: 6);
        var reference = new ClipReference(model);
        using var mode = torch.inference_mode();
        var pixels = torch.randn(2, 3, 12, 12);
        var shallow = torch.randn(2, 24);
        var deep = new[] { torch.randn(2, 24), torch.randn(2, 24) };
        var (embeds, tokens) = reference.Vision(pixels, shallow, deep);
        var output = model.EncodeImageWithTokens(pixels, new VisionPrompts(shallow, deep));
        Assert.Equal(new long[] { 2, 9 + 2, 12 }, output.Tokens.shape);
        Close(embeds, output.Embeds);
        Close(tokens, output.Tokens);
        Close(embeds, model.EncodeImage(pixels, new VisionPrompts(shallow, deep)));
        // Prompts change the CLS feature through attention.
        Assert.True((model.EncodeImage(pixels) - output.Embeds).abs().max().item<float>() > 1e-4);
        Assert.Throws<ArgumentException>(() => model.EncodeImage(pixels, new VisionPrompts(shallow, [torch.randn(3, 24)])));
    }

    [Fact]
    public void GradientsReachPromptsButNotFrozenWeights()
    {
        using var scope = NewDisposeScope();
        using var model = ClipTestModels.Random(ClipTestModels.QuickGeluFirstEos, seed: 8).Freeze();
        var textShallow = (torch.randn(4, 16) * 0.02).requires_grad_();
        var textDeep = (torch.randn(4, 16) * 0.02).requires_grad_();
        var visionShallow = (torch.randn(3, 32) * 0.02).requires_grad_();
        var visionDeep = (torch.randn(3, 32) * 0.02).requires_grad_();
        var text = model.EncodeText(Ids(), new TextPrompts(textShallow, [textDeep]));
        var output = model.EncodeImageWithTokens(torch.randn(2, 3, 16, 16), new VisionPrompts(visionShallow, [visionDeep]));
        var loss = model.LogitsPerImage(output.Embeds, text).logsumexp(1).sum() + output.Tokens.pow(2).mean();
        loss.backward();
        foreach (var p in new[] { textShallow, textDeep, visionShallow, visionDeep })
            Assert.True(p.grad is { } g && g.abs().sum().item<float>() > 0);
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }
}
