using Arbor.IO;
using Arbor.Models.Clip;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Arbor.Tests.Precision;

/// <summary>
/// The CLIP towers in bfloat16 against float32 on the tiny random fixture: the same embeddings up to bf16 rounding, float32
/// outputs at the towers' boundaries, and float32 prompts that still receive gradients through a bf16 tower.
/// </summary>
public class ClipBf16Tests(ITestOutputHelper output)
{
    static (Tensor Pixels, Tensor Ids) Inputs()
    {
        using var inputs = SafeTensors.Read(TestPaths.Fixture("clip-tiny", "inputs.safetensors"));
        return (inputs["pixel_values"].clone(), inputs["input_ids"].clone());
    }

    [Fact]
    public void Bf16EmbeddingsAgreeWithFp32()
    {
        using var scope = NewDisposeScope();
        using var fp32 = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        using var bf16 = ClipModel.Load(TestPaths.Fixture("clip-tiny")).CastFrozen(ScalarType.BFloat16);
        var (pixels, ids) = Inputs();
        using var _ = no_grad();
        var image32 = fp32.EncodeImage(pixels);
        var text32 = fp32.EncodeText(ids);
        var image16 = bf16.EncodeImage(pixels);
        var text16 = bf16.EncodeText(ids);

        Assert.Equal(ScalarType.BFloat16, bf16.ComputeType);
        Assert.All(bf16.TextModel.parameters().Concat(bf16.VisionModel.parameters()), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.Equal(ScalarType.Float32, bf16.LogitScale.dtype);
        Assert.Equal(ScalarType.Float32, image16.dtype);   // outputs return to fp32 at the tower boundary
        Assert.Equal(ScalarType.Float32, text16.dtype);
        // bf16 really ran: its rounding shows in the result.
        Assert.True((image16 - image32).abs().max().item<float>() > 0);

        double imageCos = nn.functional.cosine_similarity(image16, image32, dim: 1).min().item<float>();
        double textCos = nn.functional.cosine_similarity(text16, text32, dim: 1).min().item<float>();
        double logitDiff = (bf16.LogitsPerImage(image16, text16) - fp32.LogitsPerImage(image32, text32)).abs().max().item<float>();
        double logitScale = fp32.LogitScale.exp().item<float>();
        output.WriteLine($"min cosine image {imageCos:F5}, text {textCos:F5}; max |logit diff| {logitDiff:F4} (logit scale {logitScale:F2})");
        Assert.True(imageCos > 0.999, $"image cosine {imageCos}");
        Assert.True(textCos > 0.999, $"text cosine {textCos}");
        // A cosine moved by at most ~1e-2 moves a logit by at most logit_scale · 1e-2.
        Assert.True(logitDiff < logitScale * 1e-2, $"logit difference {logitDiff}");
    }

    [Fact]
    public void Fp32PromptsGetGradientsThroughABf16Tower()
    {
        using var scope = NewDisposeScope();
        using var clip = ClipModel.Load(TestPaths.Fixture("clip-tiny")).CastFrozen(ScalarType.BFloat16);
        var (pixels, ids) = Inputs();
        var c = clip.Config;
        var textCtx = randn(2, c.Text.HiddenSize).requires_grad_(true);
        var deepText = randn(2, c.Text.HiddenSize).requires_grad_(true);
        var visual = randn(3, c.Vision.HiddenSize).requires_grad_(true);
        var deepVisual = randn(3, c.Vision.HiddenSize).requires_grad_(true);
        var text = clip.EncodeText(ids, new TextPrompts(textCtx, [deepText]));
        var image = clip.EncodeImageWithTokens(pixels, new VisionPrompts(visual, [deepVisual]));
        (text.sum() + image.Embeds.sum() + image.Tokens.sum()).backward();

        foreach (var p in new[] { textCtx, deepText, visual, deepVisual })
        {
            Assert.Equal(ScalarType.Float32, p.grad!.dtype);
            Assert.True(p.grad.abs().sum().item<float>() > 0);
        }
        Assert.All(clip.parameters(), p => Assert.False(p.requires_grad));   // CastFrozen leaves every weight frozen
    }

    [Fact]
    public void CastFrozenRefusesOtherTypes()
    {
        using var clip = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        Assert.Throws<ArgumentException>(() => clip.CastFrozen(ScalarType.Float16));
    }
}

/// <summary>The text tower cuts positions after the batch's last EOS: causal attention and EOS pooling make them inert.</summary>
public class ClipTextPaddingTests
{
    [Fact]
    public void TrailingPaddingIsCutWithoutChangingTheResult()
    {
        using var scope = NewDisposeScope();
        using var clip = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        using var inputs = SafeTensors.Read(TestPaths.Fixture("clip-tiny", "inputs.safetensors"));
        var ids = inputs["input_ids"];
        using var _ = no_grad();
        // The full-length path: every position through the encoder, then the EOS position read out.
        var hidden = clip.TextModel.HiddenStates(ids);
        var index = clip.TextModel.PooledPositions(ids).view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
        var full = hidden.gather(1, index).squeeze(1);
        long lastEos = clip.TextModel.PooledPositions(ids).max().item<long>();
        Assert.True(lastEos + 1 < ids.shape[1], "the fixture's texts must end before the context does");
        var cut = clip.TextModel.Forward(ids);
        Assert.True((cut - full).abs().max().item<float>() < 1e-5f);
    }
}
