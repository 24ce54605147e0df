using SkiaSharp;

namespace Arbor.Reporting;

/// <summary>
/// Shared look of every picture: one sans-serif font (the Linux Skia build has no font manager, so the font is found by
/// file), sizes, and the colours of right and wrong. ScottPlot is pointed at the same font once per process.
/// </summary>
public static class PlotStyle
{
    static readonly object Gate = new();
    static bool _configured;
    static string? _fontFile;

    /// <summary>Colour of a right prediction.</summary>
    public static readonly SKColor Right = new(0x2e, 0x7d, 0x32);
    /// <summary>Colour of a wrong prediction.</summary>
    public static readonly SKColor Wrong = new(0xc6, 0x28, 0x28);

    /// <summary>Font files tried in order when Skia cannot resolve a family name.</summary>
    static readonly string[] FontFiles =
    {
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/System/Library/Fonts/Helvetica.ttc", @"C:\Windows\Fonts\arial.ttf",
    };

    /// <summary>Points ScottPlot at a font file that exists here (once); returns false when none was found.</summary>
    public static bool ConfigureScottPlot()
    {
        lock (Gate)
        {
            if (_configured) return _fontFile is not null;
            _configured = true;
            _fontFile = FontFiles.FirstOrDefault(File.Exists);
            if (_fontFile is null) return false;
            ScottPlot.Fonts.AddFontFile("Arbor Sans", _fontFile, bold: false, italic: false);
            // Titles and axis labels are bold: without a bold face registered they fall back to a serif system font.
            var boldFile = _fontFile.Replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf").Replace("Regular.ttf", "Bold.ttf");
            ScottPlot.Fonts.AddFontFile("Arbor Sans", File.Exists(boldFile) ? boldFile : _fontFile, bold: true, italic: false);
            ScottPlot.Fonts.Default = "Arbor Sans";
            return true;
        }
    }

    /// <summary>A sans-serif typeface for drawing with Skia directly (null when no font exists here).</summary>
    public static SKTypeface? Typeface()
    {
        var byName = SKTypeface.FromFamilyName("DejaVu Sans");
        if (byName is not null && byName.GlyphCount > 0) return byName;
        byName?.Dispose();
        foreach (var file in FontFiles)
            if (File.Exists(file) && SKTypeface.FromFile(file) is { GlyphCount: > 0 } face) return face;
        return null;
    }

    /// <summary>Shortens <paramref name="text"/> with an ellipsis until it fits <paramref name="width"/> pixels.</summary>
    public static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width) return text;
        while (text.Length > 1 && font.MeasureText(text + "…") > width) text = text[..^1];
        return text + "…";
    }

    /// <summary>A new ScottPlot plot drawn with the font found here (fonts are resolved when a plot is made).</summary>
    public static ScottPlot.Plot NewPlot()
    {
        ConfigureScottPlot();
        return new ScottPlot.Plot();
    }

    /// <summary>Renders a ScottPlot plot to PNG bytes.</summary>
    public static byte[] Png(ScottPlot.Plot plot, int width, int height)
    {
        ConfigureScottPlot();
        return plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
    }
}
