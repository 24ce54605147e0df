using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Hierarchy;
using SkiaSharp;
using static TorchSharp.torch;

namespace Arbor.Reporting;

/// <summary>A test image with its predicted and true class at every level (local ids, coarse → fine).</summary>
public sealed record PredictedSample(int Index, IReadOnlyList<int> Predicted, IReadOnlyList<int> Truth, double LeafProbability)
{
    /// <summary>True when the predicted leaf is the true leaf.</summary>
    public bool Right => Predicted[^1] == Truth[^1];
}

/// <summary>
/// A grid of test predictions to look at: each image with its predicted label at every level — green where right, red with
/// the true label where wrong — and a red frame when the leaf is wrong. A seeded sample of the split is predicted and about
/// a third of the tiles are mistakes (when there are enough), because mistakes are what one wants to see.
/// </summary>
public static class PredictionGrid
{
    const int Tile = 128, Pad = 8, LineHeight = 15, MaxColumns = 6;

    /// <summary>
    /// Predicts a seeded sample of <paramref name="dataset"/> with <paramref name="levelLogits"/> and returns
    /// <paramref name="count"/> samples (a third wrong ones when available), in dataset order.
    /// </summary>
    public static IReadOnlyList<PredictedSample> Collect(Func<Tensor, Tensor[]> levelLogits, ImageDataset dataset,
        BatchLoaderOptions loaderOptions, Decoding decoding, int count = 24, int seed = 0)
    {
        var order = Enumerable.Range(0, dataset.Count).ToArray();
        new Random(seed).Shuffle(order);
        var candidates = order.Take(Math.Min(dataset.Count, Math.Max(count * 8, 128))).Order().ToArray();
        if (candidates.Length == 0) return Array.Empty<PredictedSample>();
        var subset = dataset.Subset(candidates, dataset.Name + " (grid sample)");
        var loader = new BatchLoader(subset, loaderOptions with { Shuffle = false, Views = 1, Transform = null, DropLast = false });
        var hierarchy = dataset.Hierarchy;
        var decoder = new ConsistentDecoder(hierarchy);
        var all = new List<PredictedSample>();
        using (no_grad())
            foreach (var batch in loader.GetBatches(0))
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var logits = levelLogits(batch.Images);
                    var chosen = decoding == Decoding.Consistent ? decoder.Decode(logits) : logits.Select(l => l.argmax(1)).ToArray();
                    var ids = stack(chosen, 1).cpu().data<long>().ToArray();
                    var leafProbs = nn.functional.softmax(logits[^1].to(ScalarType.Float32), 1).gather(1, chosen[^1].unsqueeze(1))
                        .squeeze(1).cpu().data<float>().ToArray();
                    for (int i = 0; i < batch.Count; i++)
                    {
                        int index = candidates[batch.Indices[i]];
                        var predicted = Enumerable.Range(0, hierarchy.Depth).Select(l => (int)ids[i * hierarchy.Depth + l]).ToArray();
                        all.Add(new PredictedSample(index, predicted, dataset.LevelLabelsOf(index).ToArray(), leafProbs[i]));
                    }
                }
        var wrong = all.Where(s => !s.Right).Take(count / 3).ToList();
        var right = all.Where(s => s.Right).Take(count - wrong.Count).ToList();
        wrong.AddRange(all.Where(s => !s.Right).Skip(wrong.Count).Take(count - wrong.Count - right.Count));
        return right.Concat(wrong).OrderBy(s => s.Index).ToArray();
    }

    /// <summary>Renders <paramref name="samples"/> of <paramref name="dataset"/> as PNG bytes.</summary>
    public static byte[] Render(ImageDataset dataset, IReadOnlyList<PredictedSample> samples)
    {
        if (samples.Count == 0) throw new ArborException("no predictions to draw: the split is empty");
        var h = dataset.Hierarchy;
        int columns = Math.Min(MaxColumns, samples.Count), rows = (samples.Count + columns - 1) / columns;
        int cellW = Tile + 2 * Pad + 60, cellH = Tile + (h.Depth + 1) * LineHeight + 2 * Pad, header = 28;
        using var surface = SKSurface.Create(new SKImageInfo(columns * cellW, header + rows * cellH, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = PlotStyle.Typeface();
        using var font = typeface is null ? null : new SKFont(typeface, 11);
        using var titleFont = typeface is null ? null : new SKFont(typeface, 13);
        using var right = new SKPaint { Color = PlotStyle.Right, IsAntialias = true };
        using var wrong = new SKPaint { Color = PlotStyle.Wrong, IsAntialias = true };
        using var grey = new SKPaint { Color = new SKColor(90, 90, 90), IsAntialias = true };
        using var frame = new SKPaint { Color = new SKColor(200, 200, 200), Style = SKPaintStyle.Stroke };
        using var wrongFrame = new SKPaint { Color = PlotStyle.Wrong, Style = SKPaintStyle.Stroke, StrokeWidth = 4 };
        if (titleFont is not null)
            canvas.DrawText($"{samples.Count(s => !s.Right)} of {samples.Count} shown are wrong. Each line a level: " +
                            "predicted (green = right) or predicted ≠ true (red).", Pad, 19, SKTextAlign.Left, titleFont, grey);
        for (int k = 0; k < samples.Count; k++)
        {
            var s = samples[k];
            int x = (k % columns) * cellW + Pad, y = header + (k / columns) * cellH + Pad;
            int imageX = x + (cellW - 2 * Pad - Tile) / 2;
            using (var image = ContactSheet.ToImage(dataset, s.Index))
            {
                var sampling = image.Width * 2 <= Tile ? new SKSamplingOptions(SKFilterMode.Nearest) : new SKSamplingOptions(SKCubicResampler.CatmullRom);
                float scale = Math.Min((float)Tile / image.Width, (float)Tile / image.Height);
                float w = image.Width * scale, hh = image.Height * scale;
                canvas.DrawImage(image, new SKRect(imageX + (Tile - w) / 2, y + (Tile - hh) / 2, imageX + (Tile + w) / 2, y + (Tile + hh) / 2), sampling);
            }
            canvas.DrawRect(imageX - 2, y - 2, Tile + 4, Tile + 4, s.Right ? frame : wrongFrame);
            if (font is null) continue;
            float textY = y + Tile + LineHeight;
            canvas.DrawText(PlotStyle.Fit($"#{s.Index}  p(leaf) {s.LeafProbability:0.00}", font, cellW - 2 * Pad), x, textY, SKTextAlign.Left, font, grey);
            for (int l = 0; l < h.Depth; l++)
            {
                textY += LineHeight;
                var predicted = h.Node(l + 1, s.Predicted[l]).Name;
                bool ok = s.Predicted[l] == s.Truth[l];
                var text = ok ? predicted : $"{predicted} ≠ {h.Node(l + 1, s.Truth[l]).Name}";
                canvas.DrawText(PlotStyle.Fit(text, font, cellW - 2 * Pad), x, textY, SKTextAlign.Left, font, ok ? right : wrong);
            }
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
