namespace Arbor.Data.Points;

/// <summary>
/// One point cloud read from a single file, as <c>arbor predict</c> takes them: an OFF mesh (<c>.off</c>) or rows of
/// coordinates (<c>.txt</c>, <c>.xyz</c>). Every cloud comes out as the training readers make theirs, so a model sees at
/// prediction what it saw in training:
/// <list type="bullet">
/// <item>a mesh is sampled to N points uniformly by area, turned from ModelNet's z-up to y-up and normalised — the same
/// code as the ModelNet mesh reader (<see cref="OffMesh.SampleCloud"/>), with a fixed seed, so a file always gives the
/// same cloud;</item>
/// <item>a text file keeps its first N rows (as the resampled-text reader does) of x,y,z or x,y,z,nx,ny,nz (normals, or
/// any three trailing values, dropped), separated by commas (ModelNet's resampled files) or blanks (the usual .xyz), and is
/// centred and scaled into the unit sphere. Fewer than N rows is an error, as in training; rows are not repeated to pad.</item>
/// </list>
/// Empty files, rows that are not 3 or 6 numbers, NaN or infinite coordinates and unknown extensions are
/// <see cref="DatasetException"/>s naming the file (and the line).
/// </summary>
public static class PointCloudFile
{
    /// <summary>The extensions read (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".off", ".txt", ".xyz" };

    /// <summary>Seed of a mesh's sampling: fixed, so predicting on a file twice gives the same answer.</summary>
    public const int MeshSamplingSeed = 17;

    /// <summary>Largest text file read (ModelNet's resampled files are about 0.5 MB).</summary>
    const long MaxTextBytes = 1L << 30;

    /// <summary>True when the file's extension is one of <see cref="Extensions"/>.</summary>
    public static bool HasCloudExtension(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The cloud in <paramref name="path"/>: <paramref name="points"/> × (x, y, z), y up, in the unit sphere.</summary>
    public static float[] Read(string path, int points)
    {
        if (points < 1) throw new ArgumentOutOfRangeException(nameof(points), "a cloud needs at least one point");
        var info = new FileInfo(path);
        if (!info.Exists) throw new DatasetException("point-cloud file not found", path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (!HasCloudExtension(path))
            throw new DatasetException($"'{(extension.Length == 0 ? "(no extension)" : extension)}' is not a point-cloud format; " +
                                       "expected an OFF mesh (.off) or x,y,z rows (.txt, .xyz)", path);
        if (info.Length == 0) throw new DatasetException("empty file: no points", path);
        if (extension == ".off") return OffMesh.SampleCloud(path, points, new Random(MeshSamplingSeed));
        if (info.Length > MaxTextBytes) throw new DatasetException("point-cloud text file larger than 1 GiB", path);
        var xyz = ReadRows(path, points);
        PointArrays.NormalizeToUnitSphere(xyz);
        return xyz;
    }

    /// <summary>The first <paramref name="points"/> rows of a text file.</summary>
    static float[] ReadRows(string path, int points)
    {
        var xyz = new float[3 * points];
        int rows = PointRows.Read(path, xyz, blanksToo: true);
        if (rows == 0) throw new DatasetException("no x,y,z rows (only blank lines)", path);
        if (rows < points)
            throw new DatasetException($"{rows} point{(rows == 1 ? "" : "s")}, fewer than the {points} the model takes per cloud (rows are not repeated to pad)", path);
        return xyz;
    }
}
