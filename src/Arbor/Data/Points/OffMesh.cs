using System.Globalization;

namespace Arbor.Data.Points;

/// <summary>
/// Reads an OFF mesh (Object File Format): an <c>OFF</c> line, a line <c>vertices faces edges</c>, the vertices (x y z),
/// then the faces (<c>k i₁ … i_k</c>, k ≥ 3, split into triangle fans). ModelNet's files sometimes run the counts onto the
/// header line (<c>OFF490 518 0</c>); that is accepted. <c>#</c> starts a comment. Counts are checked against the file's
/// size before anything is allocated, every index against the vertex count, every coordinate for finiteness.
/// </summary>
public static class OffMesh
{
    /// <summary>
    /// The mesh in <paramref name="path"/> as a ModelNet cloud: <paramref name="points"/> points sampled uniformly by area
    /// with <paramref name="random"/>, turned from ModelNet's z-up to y-up ((x, y, z) → (x, z, −y)), centred and scaled into
    /// the unit sphere. The one path both the ModelNet mesh reader and single-file prediction take.
    /// </summary>
    public static float[] SampleCloud(string path, int points, Random random)
    {
        var cloud = Read(path).SamplePoints(points, random) ?? throw new DatasetException("the mesh has no area (every face degenerate)", path);
        for (int p = 0; p < points; p++)
        {
            float y = cloud[3 * p + 1];
            cloud[3 * p + 1] = cloud[3 * p + 2];
            cloud[3 * p + 2] = -y;
        }
        PointArrays.NormalizeToUnitSphere(cloud);
        return cloud;
    }

    public static TriangleMesh Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new DatasetException("OFF file not found", path);
        if (info.Length > 1L << 30) throw new DatasetException("OFF file larger than 1 GiB", path);
        using var reader = new StreamReader(path);
        int lineNumber = 0;
        string[]? Next()
        {
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                int hash = line.IndexOf('#');
                if (hash >= 0) line = line[..hash];
                var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 0) return fields;
            }
            return null;
        }
        var header = Next() ?? throw new DatasetException("empty file; expected an OFF header", path);
        string[] counts;
        if (header[0] == "OFF") counts = header.Length > 1 ? header[1..] : Next() ?? throw new DatasetException("no counts line after OFF", path);
        else if (header[0].StartsWith("OFF", StringComparison.Ordinal) && header[0].Length > 3)
            counts = new[] { header[0][3..] }.Concat(header[1..]).ToArray();
        else throw new DatasetException($"header '{header[0]}' is not OFF", path, line: lineNumber);
        if (counts.Length < 2 || !int.TryParse(counts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int nv)
            || !int.TryParse(counts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int nf))
            throw new DatasetException($"counts '{string.Join(' ', counts)}' are not 'vertices faces edges'", path, line: lineNumber);
        // A vertex line holds at least 6 characters ("0 0 0\n"), a face line at least 8 ("3 0 1 2\n").
        if (nv < 3 || nf < 1 || 6L * nv + 8L * nf > info.Length)
            throw new DatasetException($"{nv} vertices and {nf} faces cannot fit in {info.Length:N0} bytes (or are too few for a surface)", path, line: lineNumber);
        var vertices = new double[3L * nv];
        for (int v = 0; v < nv; v++)
        {
            var f = Next() ?? throw new DatasetException($"file ends after {v} of {nv} vertices", path);
            if (f.Length < 3) throw new DatasetException($"vertex {v}: {f.Length} numbers; expected x y z", path, line: lineNumber);
            for (int c = 0; c < 3; c++)
                if (!double.TryParse(f[c], NumberStyles.Float, CultureInfo.InvariantCulture, out vertices[3 * v + c]) || !double.IsFinite(vertices[3 * v + c]))
                    throw new DatasetException($"vertex {v}: '{f[c]}' is not a finite number", path, line: lineNumber);
        }
        var triangles = new List<int>(3 * nf);
        for (int t = 0; t < nf; t++)
        {
            var f = Next() ?? throw new DatasetException($"file ends after {t} of {nf} faces", path);
            if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 3 || f.Length < k + 1)
                throw new DatasetException($"face {t}: '{string.Join(' ', f)}' is not 'k i1 … ik' with k ≥ 3", path, line: lineNumber);
            var corner = new int[k];
            for (int c = 0; c < k; c++)
                if (!int.TryParse(f[c + 1], NumberStyles.None, CultureInfo.InvariantCulture, out corner[c]) || corner[c] >= nv)
                    throw new DatasetException($"face {t}: vertex index '{f[c + 1]}' is not in 0..{nv - 1}", path, line: lineNumber);
            for (int c = 1; c + 1 < k; c++) triangles.AddRange(new[] { corner[0], corner[c], corner[c + 1] });
        }
        return new TriangleMesh(vertices, triangles.ToArray());
    }
}
