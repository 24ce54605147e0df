using Arbor.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Data;

public class AugmentationTests
{
    static Tensor Ramp(int b, int c, int h, int w) =>
        torch.arange(b * c * h * w, dtype: ScalarType.Float32).reshape(b, c, h, w).div_(b * c * h * w);

    [Fact]
    public void FlipWithProbabilityOneMirrorsExactly()
    {
        using var scope = torch.NewDisposeScope();
        var x = Ramp(3, 2, 5, 6);
        using var g = new torch.Generator(1);
        var y = new BatchAugmentation { FlipProbability = 1 }.Apply(x, g);
        Assert.True(torch.allclose(y, x.flip(3), atol: 1e-6));
    }

    [Fact]
    public void PadCropShiftsByWholePixelsAndFillsWithZeros()
    {
        using var scope = torch.NewDisposeScope();
        var x = Ramp(16, 1, 6, 6).add_(0.1f);           // every pixel > 0, all distinct
        using var g = new torch.Generator(5);
        var y = new BatchAugmentation { Crop = CropKind.PadCrop, Padding = 2, FlipProbability = 0 }.Apply(x, g);
        bool anyShift = false;
        for (int i = 0; i < 16; i++)
        {
            // The output must equal the input shifted by some (dy, dx) in [-2, 2]², zeros where it left the image.
            bool matched = false;
            for (int dy = -2; dy <= 2 && !matched; dy++)
                for (int dx = -2; dx <= 2 && !matched; dx++)
                {
                    var padded = nn.functional.pad(x[i], new long[] { 2, 2, 2, 2 });
                    var window = padded[.., (2 + dy)..(2 + dy + 6), (2 + dx)..(2 + dx + 6)];
                    if (torch.allclose(y[i], window, atol: 1e-5)) { matched = true; anyShift |= dx != 0 || dy != 0; }
                }
            Assert.True(matched, $"sample {i} is not a whole-pixel shift of its input");
        }
        Assert.True(anyShift);
    }

    [Fact]
    public void FullAreaResizedCropWithoutFlipIsIdentity()
    {
        using var scope = torch.NewDisposeScope();
        var x = Ramp(4, 3, 8, 8);
        using var g = new torch.Generator(2);
        var aug = new BatchAugmentation { Crop = CropKind.ResizedCrop, ScaleMin = 1, ScaleMax = 1, RatioMin = 1, RatioMax = 1, FlipProbability = 0 };
        Assert.True(torch.allclose(aug.Apply(x, g), x, atol: 1e-5));
    }

    [Fact]
    public void ColourJitterStaysInRangeAndIsSeeded()
    {
        using var scope = torch.NewDisposeScope();
        var x = Ramp(8, 3, 4, 4);
        var aug = BatchAugmentation.Contrastive();
        Tensor Run(ulong seed) { using var g = new torch.Generator(seed); return aug.Apply(x, g); }
        var a = Run(11);
        Assert.True(a.min().item<float>() >= 0 && a.max().item<float>() <= 1);
        Assert.Equal(a.flatten().data<float>().ToArray(), Run(11).flatten().data<float>().ToArray());
        Assert.NotEqual(a.flatten().data<float>().ToArray(), Run(12).flatten().data<float>().ToArray());
        Assert.Equal(x.shape, a.shape);
    }

    [Fact]
    public void GrayscaleProbabilityOneGivesEqualChannels()
    {
        using var scope = torch.NewDisposeScope();
        var x = Ramp(2, 3, 4, 4);
        using var g = new torch.Generator(3);
        var y = new BatchAugmentation { GrayscaleProbability = 1, FlipProbability = 0 }.Apply(x, g);
        Assert.True(torch.allclose(y[.., 0], y[.., 1]) && torch.allclose(y[.., 1], y[.., 2]));
        var luma = x[.., 0] * 0.299f + x[.., 1] * 0.587f + x[.., 2] * 0.114f;
        Assert.True(torch.allclose(y[.., 0], luma, atol: 1e-6));
    }
}
