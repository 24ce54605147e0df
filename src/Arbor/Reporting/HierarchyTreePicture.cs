using Arbor.Hierarchy;
using SkiaSharp;

namespace Arbor.Reporting;

/// <summary>
/// The class hierarchy drawn as a tree, roots on the left and one column per level, each node named with its class count
/// below it. Levels with more than <see cref="MaxRows"/> nodes are folded: the picture stops at the deepest level that
/// fits and the nodes there say how many leaves they hold, so a 1,800-leaf taxonomy still gives a readable page.
/// </summary>
public static class HierarchyTreePicture
{
    /// <summary>Most nodes drawn in the deepest column.</summary>
    public const int MaxRows = 160;

    const int RowHeight = 16, ColumnWidth = 210, Margin = 16, Header = 34;

    /// <summary>The deepest level drawn (at least 1).</summary>
    public static int ShownDepth(ClassHierarchy h)
    {
        int depth = 1;
        while (depth < h.Depth && h.ClassesAt(depth + 1) <= MaxRows) depth++;
        return depth;
    }

    /// <summary>PNG bytes of the tree.</summary>
    public static byte[] Render(ClassHierarchy h)
    {
        int shown = ShownDepth(h);
        // Rows in depth-first order, so every subtree is a contiguous block and no connector crosses another.
        var rows = new List<HierarchyNode>();
        void Visit(HierarchyNode node)
        {
            if (node.Level == shown) rows.Add(node);
            else foreach (var child in node.Children) Visit(h.Nodes[child]);
        }
        foreach (var root in h.NodesAt(1)) Visit(root);
        var y = new Dictionary<int, float>();           // global node index → centre y
        for (int i = 0; i < rows.Count; i++) y[rows[i].Index] = Header + Margin + i * RowHeight + RowHeight / 2f;
        for (int level = shown - 1; level >= 1; level--)
            foreach (var node in h.NodesAt(level))
                y[node.Index] = node.Children.Average(c => y[c]);

        int width = 2 * Margin + shown * ColumnWidth + 60;
        int height = Header + 2 * Margin + Math.Max(1, rows.Count) * RowHeight;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = PlotStyle.Typeface();
        using var font = typeface is null ? null : new SKFont(typeface, 11);
        using var bold = typeface is null ? null : new SKFont(typeface, 12) { Embolden = true };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var muted = new SKPaint { Color = new SKColor(60, 60, 60), IsAntialias = true };
        using var line = new SKPaint { Color = new SKColor(160, 160, 160), IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        using var dot = new SKPaint { Color = new SKColor(40, 90, 160), IsAntialias = true };

        float X(int level) => Margin + (level - 1) * ColumnWidth;
        for (int level = 1; level <= shown; level++)
        {
            if (bold is not null)
                canvas.DrawText($"{level}: {h.LevelNames[level - 1]} ({h.ClassesAt(level)})", X(level), Margin + 8, SKTextAlign.Left, bold, text);
            foreach (var node in h.NodesAt(level))
            {
                float ny = y[node.Index];
                string label = node.Name;
                if (level == shown && shown < h.Depth) label += $"  (+{h.DescendantLeaves(node.Index).Count} leaves)";
                float maxWidth = level == shown ? ColumnWidth + 40 : ColumnWidth - 40;
                label = font is null ? "" : PlotStyle.Fit(label, font, maxWidth);
                float labelEnd = X(level) + 8 + (font?.MeasureText(label) ?? 0) + 4;
                if (level < shown)
                    foreach (var child in node.Children)
                    {
                        // Elbow: right from the parent's label, down/up to the child's row, right into the child.
                        float midX = X(level + 1) - 14;
                        using var path = new SKPath();
                        path.MoveTo(labelEnd, ny);
                        path.LineTo(midX, ny);
                        path.LineTo(midX, y[child]);
                        path.LineTo(X(level + 1), y[child]);
                        canvas.DrawPath(path, line);
                    }
                canvas.DrawCircle(X(level) + 2, ny, 2.5f, dot);
                if (font is null) continue;
                canvas.DrawText(label, X(level) + 8, ny + 4, SKTextAlign.Left, font, level == shown ? text : muted);
            }
        }
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
