using System.Globalization;

namespace Arbor.Data.Points;

/// <summary>
/// Rows of point coordinates in a text file — x,y,z or x,y,z,nx,ny,nz per line, blank lines skipped — as ModelNet's
/// resampled files and the usual .xyz exports hold them. Training (<see cref="ModelNetText"/>) and prediction
/// (<see cref="PointCloudFile"/>) read through this one reader, so a cloud is read by the same rules in both.
/// </summary>
internal static class PointRows
{
    /// <summary>Longest line read; a longer one is not a row of six numbers.</summary>
    const int MaxLineLength = 4096;

    /// <summary>
    /// Reads the first <c>xyz.Length / 3</c> rows of <paramref name="file"/> into <paramref name="xyz"/> (the normals
    /// are checked, then dropped) and returns how many rows there were — fewer when the file ends first, which each caller
    /// words for its user. Values are separated by commas (ModelNet) or, with <paramref name="blanksToo"/>, by blanks
    /// when a line has no comma. Every value must be a finite number.
    /// </summary>
    public static int Read(string file, Span<float> xyz, bool blanksToo)
    {
        int points = xyz.Length / 3, row = 0, number = 0;
        using var reader = new StreamReader(file);
        while (row < points && reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length > MaxLineLength) throw new DatasetException($"line longer than {MaxLineLength:N0} characters", file, line: number);
            if (line.Trim().Length == 0) continue;
            var fields = !blanksToo || line.Contains(',') ? line.Split(',') : line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length is not (3 or 6))
                throw new DatasetException(blanksToo
                    ? $"{fields.Length} values; expected x,y,z or x,y,z,nx,ny,nz (separated by commas or blanks)"
                    : $"{fields.Length} comma-separated values; expected x,y,z or x,y,z,nx,ny,nz", file, line: number);
            for (int c = 0; c < fields.Length; c++)
            {
                if (!float.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new DatasetException($"'{fields[c].Trim()}' is not a finite number", file, line: number);
                if (c < 3) xyz[3 * row + c] = v;
            }
            row++;
        }
        return row;
    }
}
