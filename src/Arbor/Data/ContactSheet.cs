using Arbor.IO;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Data;

/// <summary>
/// A labelled contact sheet: a grid of dataset images, each scaled up with its root-to-leaf label path printed under it,
/// written as PNG atomically. For looking at data with one's own eyes (`arbor data preview`).
/// </summary>
public static class ContactSheet
{
    const int Tile = 128, TextHeight = 40, Pad = 6, MaxColumns = 8;

    /// <summary>
    /// Renders images <paramref name="indices"/> of <paramref name="dataset"/> to <paramref name="outPath"/>. Returns false when
    /// no font was found (images drawn, labels not); the caller should then say so. With <paramref name="input"/> each tile
    /// shows the image as a model reads it (that side, channels and resize rule, before normalisation); without, as stored.
    /// </summary>
    public static bool Write(ImageDataset dataset, IReadOnlyList<int> indices, string outPath, BatchLoaderOptions? input = null)
    {
        if (indices.Count == 0) throw new ArborException("nothing to preview: the split is empty", outPath);
        using var pixels = Preprocessed(dataset, indices, input);
        int columns = Math.Min(MaxColumns, indices.Count), rows = (indices.Count + columns - 1) / columns;
        int cellW = Tile + 2 * Pad, cellH = Tile + TextHeight + 2 * Pad;
        using var surface = SKSurface.Create(new SKImageInfo(columns * cellW, rows * cellH, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = Reporting.PlotStyle.Typeface();
        using var font = typeface is null ? null : new SKFont(typeface, 11);
        using var textPaint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var framePaint = new SKPaint { Color = new SKColor(200, 200, 200), Style = SKPaintStyle.Stroke };
        var h = dataset.Hierarchy;
        for (int k = 0; k < indices.Count; k++)
        {
            int x = (k % columns) * cellW + Pad, y = (k / columns) * cellH + Pad;
            using (var image = pixels is null ? ToImage(dataset, indices[k]) : ToImage(pixels, k))
            {
                var sampling = image.Width * 2 <= Tile ? new SKSamplingOptions(SKFilterMode.Nearest) : new SKSamplingOptions(SKCubicResampler.CatmullRom);
                float scale = Math.Min((float)Tile / image.Width, (float)Tile / image.Height);
                float w = image.Width * scale, hh = image.Height * scale;
                canvas.DrawImage(image, new SKRect(x + (Tile - w) / 2, y + (Tile - hh) / 2, x + (Tile + w) / 2, y + (Tile + hh) / 2), sampling);
            }
            canvas.DrawRect(x - 0.5f, y - 0.5f, Tile + 1, Tile + 1, framePaint);
            if (font is null) continue;
            // Label path coarse → fine; the leaf on its own line so it is never cut.
            var path = h.PathOf(dataset.LeafOf(indices[k]));
            var coarse = string.Join(" › ", Enumerable.Range(1, h.Depth - 1).Select(l => h.Node(l, path[l - 1]).Name));
            var leaf = h.Node(h.Depth, path[^1]).Name;
            canvas.DrawText(Fit(coarse, font, Tile), x, y + Tile + 14, SKTextAlign.Left, font, textPaint);
            canvas.DrawText(Fit($"#{indices[k]} {leaf}", font, Tile), x, y + Tile + 28, SKTextAlign.Left, font, textPaint);
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(outPath, png.AsSpan());
        return font is not null;
    }

    static string Fit(string text, SKFont font, float width) => Reporting.PlotStyle.Fit(text, font, width);

    /// <summary>The images through the loader's preprocessing, unnormalised, [n, C, S, S]; null without options.</summary>
    static Tensor? Preprocessed(ImageDataset dataset, IReadOnlyList<int> indices, BatchLoaderOptions? input)
    {
        if (input is null) return null;
        var loader = new BatchLoader(dataset.Subset(indices.ToArray(), dataset.Name), input with
        {
            BatchSize = indices.Count, Shuffle = false, DropLast = false, Prefetch = 0, Normalization = Normalization.None,
            Transform = null, Views = 1, Sampler = SamplerKind.Random,
        });
        using var batch = loader.GetBatches(0).Single();
        return batch.Images.detach().clone();
    }

    /// <summary>Image <paramref name="index"/> of <paramref name="dataset"/> as an opaque Skia image (grey expanded to RGB).</summary>
    internal static SKImage ToImage(ImageDataset dataset, int index)
    {
        using var scope = torch.NewDisposeScope();
        return ToImage(dataset.GetImage(index));
    }

    /// <summary>Image <paramref name="k"/> of a [n, C, H, W] batch in [0, 1] as an opaque Skia image.</summary>
    static SKImage ToImage(Tensor batch, int k)
    {
        using var scope = torch.NewDisposeScope();
        return ToImage(batch[k]);
    }

    /// <summary>A [C, H, W] image in [0, 1] as an opaque Skia image (grey expanded to RGB); call inside a dispose scope.</summary>
    static SKImage ToImage(Tensor chw)
    {
        if (chw.shape[0] == 1) chw = chw.expand(3, -1, -1);
        var hwc = chw.permute(1, 2, 0).mul(255f).round().clamp(0, 255).to_type(ScalarType.Byte).contiguous();
        int height = (int)hwc.shape[0], width = (int)hwc.shape[1];
        var rgb = hwc.data<byte>().ToArray();
        var rgba = new byte[width * height * 4];
        for (int i = 0; i < width * height; i++)
        {
            rgba[4 * i] = rgb[3 * i];
            rgba[4 * i + 1] = rgb[3 * i + 1];
            rgba[4 * i + 2] = rgb[3 * i + 2];
            rgba[4 * i + 3] = 255;
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var data = SKData.CreateCopy(rgba);
        return SKImage.FromPixels(info, data, width * 4) ?? throw new InvalidOperationException("Skia could not wrap pixels");
    }
}
