namespace Arbor.Models.Clip;

/// <summary>
/// Pillow's <c>Image.resize</c> on 8-bit images, bit for bit (checked against Pillow 9.4): antialiased bicubic
/// (a = −0.5) and bilinear (triangle) filters (the kernel widens by the scale when shrinking; horizontal pass then vertical; 22-bit fixed-point weights
/// and Pillow's rounding), the premultiplied-alpha round trip Pillow wraps around it for RGBA/LA images, and the
/// nearest-neighbour sampling it uses for palette and 1-bit images whatever filter is asked for.
/// Pixels are interleaved, <c>channels</c> bytes per pixel.
/// </summary>
internal static class PillowResampler
{
    const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Antialiased bicubic resize of interleaved 8-bit pixels (every channel alike).</summary>
    public static byte[] Bicubic(byte[] pixels, int channels, int width, int height, int newWidth, int newHeight) =>
        Resize(pixels, channels, width, height, newWidth, newHeight, bilinear: false);

    /// <summary>Antialiased bilinear (triangle filter, support 1) resize: Pillow's <c>Image.BILINEAR</c>.</summary>
    public static byte[] Bilinear(byte[] pixels, int channels, int width, int height, int newWidth, int newHeight) =>
        Resize(pixels, channels, width, height, newWidth, newHeight, bilinear: true);

    static byte[] Resize(byte[] pixels, int channels, int width, int height, int newWidth, int newHeight, bool bilinear)
    {
        if (newWidth != width)
        {
            pixels = Pass(pixels, channels, width, height, newWidth, horizontal: true, bilinear);
            width = newWidth;
        }
        if (newHeight != height) pixels = Pass(pixels, channels, width, height, newHeight, horizontal: false, bilinear);
        return pixels;
    }

    /// <summary>
    /// Pillow's RGBA resize: premultiply (RGBA → RGBa), resize all four channels, un-premultiply (RGBa → RGBA). Colour
    /// under alpha 0 becomes black, and partly transparent colour is quantised by the round trip, as in Pillow.
    /// </summary>
    public static byte[] BicubicPremultiplied(byte[] rgba, int width, int height, int newWidth, int newHeight)
    {
        var premultiplied = new byte[rgba.Length];
        for (int i = 0; i < rgba.Length; i += 4)
        {
            int alpha = rgba[i + 3];
            premultiplied[i] = MulDiv255(rgba[i], alpha);
            premultiplied[i + 1] = MulDiv255(rgba[i + 1], alpha);
            premultiplied[i + 2] = MulDiv255(rgba[i + 2], alpha);
            premultiplied[i + 3] = (byte)alpha;
        }
        var resized = Bicubic(premultiplied, 4, width, height, newWidth, newHeight);
        for (int i = 0; i < resized.Length; i += 4)
        {
            int alpha = resized[i + 3];
            if (alpha is 0 or 255) continue;
            for (int c = 0; c < 3; c++) resized[i + c] = (byte)Math.Min(255, 255 * resized[i + c] / alpha);
        }
        return resized;
    }

    /// <summary>Pillow's MULDIV255: a·b/255 rounded, in integers.</summary>
    static byte MulDiv255(int a, int b)
    {
        int t = a * b + 128;
        return (byte)(((t >> 8) + t) >> 8);
    }

    /// <summary>
    /// Nearest-neighbour resize as Pillow's affine scaling does it: source coordinate = truncation of a running sum that
    /// starts at half a step and adds the scale per output pixel (in doubles, so rounding matches Pillow's).
    /// </summary>
    public static byte[] Nearest(byte[] pixels, int channels, int width, int height, int newWidth, int newHeight)
    {
        var xs = NearestIndices(width, newWidth);
        var ys = NearestIndices(height, newHeight);
        var dst = new byte[newWidth * newHeight * channels];
        for (int y = 0; y < newHeight; y++)
            for (int x = 0; x < newWidth; x++)
                Array.Copy(pixels, (ys[y] * width + xs[x]) * channels, dst, (y * newWidth + x) * channels, channels);
        return dst;
    }

    static int[] NearestIndices(int inSize, int outSize)
    {
        double step = (double)inSize / outSize, position = step * 0.5;
        var index = new int[outSize];
        for (int o = 0; o < outSize; o++)
        {
            index[o] = Math.Min((int)position, inSize - 1);
            position += step;
        }
        return index;
    }

    static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1 ? 1 - x : 0;
    }

    /// <summary>Pillow's precompute_coeffs + normalize_coeffs_8bpc: per output index, first input index and weights.</summary>
    static (int[] Start, int[][] Weights) Coefficients(int inSize, int outSize, bool bilinear)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        Func<double, double> kernel = bilinear ? Triangle : Cubic;
        double support = (bilinear ? 1.0 : 2.0) * filterScale;
        var start = new int[outSize];
        var weights = new int[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize);
            var k = new double[max - min];
            double sum = 0;
            for (int i = 0; i < k.Length; i++)
            {
                k[i] = kernel((i + min - center + 0.5) / filterScale);
                sum += k[i];
            }
            var w = new int[k.Length];
            for (int i = 0; i < k.Length; i++)
            {
                double v = sum != 0 ? k[i] / sum : 0;
                w[i] = (int)(v < 0 ? -0.5 + v * (1 << PrecisionBits) : 0.5 + v * (1 << PrecisionBits));
            }
            start[o] = min;
            weights[o] = w;
        }
        return (start, weights);
    }

    static byte[] Pass(byte[] src, int channels, int width, int height, int outSize, bool horizontal, bool bilinear)
    {
        int inSize = horizontal ? width : height;
        var (start, weights) = Coefficients(inSize, outSize, bilinear);
        int outW = horizontal ? outSize : width, outH = horizontal ? height : outSize;
        // Along a row the next source pixel is `channels` bytes on; down a column it is a whole row on.
        int stride = horizontal ? channels : width * channels;
        var dst = new byte[outW * outH * channels];
        for (int y = 0; y < outH; y++)
        {
            for (int x = 0; x < outW; x++)
            {
                int o = horizontal ? x : y;
                var w = weights[o];
                int first = horizontal ? (y * width + start[o]) * channels : (start[o] * width + x) * channels;
                int target = (y * outW + x) * channels;
                for (int c = 0; c < channels; c++)
                {
                    long acc = 1L << (PrecisionBits - 1);
                    for (int i = 0, s = first + c; i < w.Length; i++, s += stride) acc += (long)src[s] * w[i];
                    dst[target + c] = (byte)Math.Clamp(acc >> PrecisionBits, 0, 255);
                }
            }
        }
        return dst;
    }
}
