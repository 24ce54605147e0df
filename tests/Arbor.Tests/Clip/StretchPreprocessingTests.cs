using Arbor.Models.Clip;

namespace Arbor.Tests.Clip;

/// <summary>The HGCLIP reference code's input pipeline ("stretch"): Pillow bilinear to the model's size, ImageNet statistics.</summary>
public class StretchPreprocessingTests
{
    /// <summary>A 13×7 RGB image whose pixels follow a formula (the same one the Python side used).</summary>
    static byte[] Image(out int width, out int height)
    {
        (width, height) = (13, 7);
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                (rgb[i], rgb[i + 1], rgb[i + 2]) = ((byte)((x * 37 + y * 11) % 256), (byte)((x * 5 + y * 53) % 256), (byte)((x * x + y * y * 7) % 256));
            }
        return rgb;
    }

    [Fact]
    public void BilinearResizeIsPillowsBitForBit()
    {
        // Pillow 9.4: Image.fromarray(a).resize((5, 4), Image.BILINEAR)
        byte[] expected =
        {
            45, 33, 6, 130, 45, 16, 148, 58, 41, 70, 71, 80, 155, 83, 124, 62, 115, 36, 147, 127, 46, 165, 140, 71, 87, 153, 110, 172, 165, 154,
            82, 162, 113, 167, 174, 123, 116, 187, 148, 107, 127, 159, 192, 78, 140, 99, 51, 174, 184, 63, 94, 106, 76, 115, 124, 83, 94, 209, 89, 85,
        };
        var rgb = Image(out int w, out int h);
        Assert.Equal(expected, PillowResampler.Bilinear(rgb, 3, w, h, 5, 4));
    }

    [Fact]
    public void StretchConventionMatchesTorchvisionResizeAndImageNetNormalize()
    {
        // torchvision 0.14: Compose([Resize((5, 4)), ToTensor(), Normalize(ImageNet mean, std)]) → x[0,0,0], x[2,4,3].
        var processor = new ClipImageProcessor
        {
            Convention = ClipPreprocessing.Stretch, CropHeight = 5, CropWidth = 4, ShortestEdge = 4,
            Mean = ClipImageProcessor.ImageNetMean, Std = ClipImageProcessor.ImageNetStd,
        };
        var rgb = Image(out int w, out int h);
        var x = processor.Process(rgb, w, h);
        Assert.Equal(3 * 5 * 4, x.Length);
        Assert.Equal(-1.1417930126190186, x[0], 5);
        Assert.Equal(-0.28810447454452515, x[2 * 20 + 4 * 4 + 3], 5);
        Assert.Equal("stretch", ClipImageProcessor.NameOf(ClipImageProcessor.ParseConvention("stretch")));
    }
}
