using System.Globalization;
using SkiaSharp;

namespace Arbor.Reporting;

/// <summary>
/// A run's level masks as a heat map: one row per level, one column per projection dimension, colour = mask value
/// (viridis, 0 → 1). Columns are grouped by the level that uses them most (<see cref="LevelMaskSummary.DisplayOrder"/>),
/// so a clean partition shows as a staircase of blocks and shared dimensions as columns lit in several rows. Captions
/// below give the dimensions per level and the overlap of every pair.
/// </summary>
public static class LevelMaskPlot
{
    const int Margin = 16, RowHeight = 34, GroupGap = 3, BarWidth = 14, LineHeight = 18;

    /// <summary>Width of one column: wide enough to see, narrow enough that 128–512 dimensions fit a page.</summary>
    public static int CellWidth(int dimensions) => Math.Clamp(1100 / Math.Max(1, dimensions), 2, 24);

    /// <summary>PNG bytes of the picture.</summary>
    public static byte[] Render(LevelMaskSummary s)
    {
        var order = s.DisplayOrder();
        var groups = order.Select(s.StrongestLevel).ToArray();
        int gaps = Enumerable.Range(1, order.Length).Count(i => i < order.Length && groups[i] != groups[i - 1]);
        int cell = CellWidth(s.Dimensions);

        using var typeface = PlotStyle.Typeface();
        using var font = typeface is null ? null : new SKFont(typeface, 12);
        using var small = typeface is null ? null : new SKFont(typeface, 11);
        using var bold = typeface is null ? null : new SKFont(typeface, 13) { Embolden = true };
        float labelWidth = Math.Max(90, s.LevelNames.Select((n, h) => font?.MeasureText(RowLabel(s, h)) ?? 0).Max() + 12);
        float mapWidth = order.Length * cell + gaps * GroupGap;
        int width = (int)Math.Ceiling(Math.Max(720, 2 * Margin + labelWidth + mapWidth + 16 + BarWidth + 40));
        float textWidth = width - 2 * Margin;

        var title = $"{s.Method} level masks over {s.Dimensions} projection dimensions: " +
                    (s.Hard ? "hard (0/1)" : $"soft, mean mask value over {s.Images:N0} images");
        var caption = new List<string>();
        caption.AddRange(Wrap($"dimensions per level{(s.Hard ? "" : " (Σ mean mask)")}: {s.DimensionsLine()}", font, textWidth));
        if (s.Levels > 1)
            caption.AddRange(Wrap($"overlap ({(s.Hard ? "Jaccard" : "Σmin/Σmax")}): {s.OverlapLine()}", font, textWidth));
        var note = (s.Source.Length > 0 ? s.Source + "; " : "") +
                   "columns grouped by the level with the largest value (unused: none above 0.5), then by that value";
        var notes = Wrap(note, small, textWidth);

        float top = Margin + 22;                         // below the title
        float mapTop = top + 4, mapBottom = mapTop + s.Levels * RowHeight;
        float groupLabels = mapBottom + 16;
        float captionTop = groupLabels + 14;
        int height = (int)Math.Ceiling(captionTop + caption.Count * LineHeight + notes.Count * (LineHeight - 2) + Margin);

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var muted = new SKPaint { Color = new SKColor(85, 85, 85), IsAntialias = true };
        using var fill = new SKPaint { IsAntialias = false };
        using var frame = new SKPaint { Color = new SKColor(150, 150, 150), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };

        if (bold is not null) canvas.DrawText(PlotStyle.Fit(title, bold, textWidth), Margin, Margin + 12, SKTextAlign.Left, bold, ink);

        // Column x positions, with a gap where the group changes.
        float mapLeft = Margin + labelWidth;
        var x = new float[order.Length];
        float cursor = mapLeft;
        for (int i = 0; i < order.Length; i++)
        {
            if (i > 0 && groups[i] != groups[i - 1]) cursor += GroupGap;
            x[i] = cursor;
            cursor += cell;
        }
        for (int h = 0; h < s.Levels; h++)
        {
            float y = mapTop + h * RowHeight;
            if (font is not null)
                canvas.DrawText(PlotStyle.Fit(RowLabel(s, h), font, labelWidth - 8), mapLeft - 8, y + RowHeight / 2f + 4, SKTextAlign.Right, font, ink);
            for (int i = 0; i < order.Length; i++)
            {
                fill.Color = Viridis(s.Masks[h][order[i]]);
                canvas.DrawRect(x[i], y + 1, cell, RowHeight - 2, fill);   // 2 px of white between rows
            }
        }

        // Under each group of columns: whose dimensions they are and how many.
        if (small is not null)
            for (int start = 0; start < order.Length;)
            {
                int end = start;
                while (end + 1 < order.Length && groups[end + 1] == groups[start]) end++;
                int g = groups[start];
                string name = g >= 0 ? s.LevelNames[g] : "unused";
                float left = x[start], right = x[end] + cell;
                canvas.DrawLine(left, mapBottom + 3, right, mapBottom + 3, frame);
                // The longest of "name (count)", "name", "count" that fits under the group; none under a sliver.
                var label = new[] { $"{name} ({end - start + 1})", name, $"{end - start + 1}" }
                    .FirstOrDefault(t => small.MeasureText(t) <= right - left + GroupGap);
                if (label is not null) canvas.DrawText(label, (left + right) / 2, groupLabels, SKTextAlign.Center, small, muted);
                start = end + 1;
            }

        // Colour bar: 1 at the top, 0 at the bottom, beside the map.
        float barLeft = mapLeft + mapWidth + 16;
        using (var shader = SKShader.CreateLinearGradient(new SKPoint(0, mapTop), new SKPoint(0, mapBottom),
                   Enumerable.Range(0, 11).Select(i => Viridis(1 - i / 10.0)).ToArray(), SKShaderTileMode.Clamp))
        using (var gradient = new SKPaint { Shader = shader })
            canvas.DrawRect(barLeft, mapTop, BarWidth, mapBottom - mapTop, gradient);
        canvas.DrawRect(barLeft, mapTop, BarWidth, mapBottom - mapTop, frame);
        if (small is not null)
            foreach (var (v, y) in new[] { (1.0, mapTop + 8), (0.5, (mapTop + mapBottom) / 2 + 4), (0.0, mapBottom) })
                canvas.DrawText(v.ToString("0.0", CultureInfo.InvariantCulture), barLeft + BarWidth + 4, y, SKTextAlign.Left, small, muted);

        float line = captionTop;
        if (font is not null)
            foreach (var text in caption) { line += LineHeight; canvas.DrawText(text, Margin, line - 4, SKTextAlign.Left, font, ink); }
        if (small is not null)
            foreach (var text in notes) { line += LineHeight - 2; canvas.DrawText(text, Margin, line - 4, SKTextAlign.Left, small, muted); }

        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    static string RowLabel(LevelMaskSummary s, int h) => $"{h + 1} {s.LevelNames[h]}";

    /// <summary>The viridis colour of a value in [0, 1] (as the confusion heat maps).</summary>
    static SKColor Viridis(double value)
    {
        var c = Colormap.GetColor(Math.Clamp(value, 0, 1));
        return new SKColor(c.R, c.G, c.B);
    }

    static readonly ScottPlot.Colormaps.Viridis Colormap = new();

    /// <summary>Splits <paramref name="text"/> at " · " (then at spaces) into lines no wider than <paramref name="width"/>.</summary>
    static List<string> Wrap(string text, SKFont? font, float width)
    {
        var lines = new List<string>();
        if (font is null) return lines;
        var current = "";
        foreach (var part in text.Split(" · "))
        {
            var candidate = current.Length == 0 ? part : current + " · " + part;
            if (font.MeasureText(candidate) <= width || current.Length == 0) current = candidate;
            else
            {
                lines.Add(current);
                current = "  " + part;
            }
        }
        if (current.Length > 0) lines.Add(current);
        // A single part wider than the line (a long source note) is cut at spaces.
        var result = new List<string>();
        foreach (var l in lines)
        {
            var rest = l;
            while (font.MeasureText(rest) > width && rest.LastIndexOf(' ', rest.Length - 1) is var cut && cut > 0)
            {
                int fit = cut;
                while (fit > 0 && font.MeasureText(rest[..fit]) > width) fit = rest.LastIndexOf(' ', fit - 1);
                if (fit <= 2) break;   // one word wider than the line: leave it whole
                result.Add(rest[..fit]);
                rest = "  " + rest[(fit + 1)..];
            }
            result.Add(rest);
        }
        return result;
    }
}
