using PureHDF;

namespace Arbor.Data.Points;

/// <summary>
/// <c>modelnet40_ply_hdf5_2048</c> (PointNet's distribution): <c>ply_data_train*.h5</c> and <c>ply_data_test*.h5</c>, each
/// with a dataset <c>data</c> (float32 [N, 2048, 3]) and <c>label</c> (integers [N, 1] or [N], class index into
/// <c>shape_names.txt</c>). Read with PureHDF (managed, no native HDF5). Shapes and types are checked before anything is
/// read; every label must index a class and every coordinate be finite.
/// </summary>
internal static class ModelNetHdf5
{
    public static RawClouds Read(string dir, int points)
    {
        var namesFile = Path.Combine(dir, "shape_names.txt");
        var names = ShapeNameList.Read(namesFile);
        var train = ReadSplit(dir, "ply_data_train*.h5", points, names.Length);
        var test = ReadSplit(dir, "ply_data_test*.h5", points, names.Length);
        return new RawClouds(names, namesFile, train, test);
    }

    static RawSplit ReadSplit(string dir, string pattern, int points, int classes)
    {
        var files = Directory.EnumerateFiles(dir, pattern).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new DatasetException($"no {pattern} files", dir);
        var parts = files.Select(f => ReadFile(f, points, classes)).ToArray();
        long total = parts.Sum(p => (long)p.Labels.Length);
        if (total * 3 * points > ModelNetLimits.MaxValues)
            throw new DatasetException($"{total:N0} clouds of {points} points do not fit in memory as one array", dir);
        var xyz = new float[total * 3 * points];
        long at = 0;
        foreach (var p in parts)
        {
            p.Points.CopyTo(xyz, at);
            at += p.Points.LongLength;
        }
        return new RawSplit(xyz, parts.SelectMany(p => p.Labels).ToArray(), parts.SelectMany(p => p.Sources).ToArray());
    }

    /// <summary>One file's clouds (first <paramref name="points"/> points of each, unit sphere) and labels.</summary>
    public static RawSplit ReadFile(string path, int points, int classes)
    {
        try
        {
            using var file = H5File.OpenRead(path);
            if (!file.LinkExists("data")) throw new DatasetException("no dataset 'data' (the point coordinates)", path);
            if (!file.LinkExists("label")) throw new DatasetException("no dataset 'label' (the class of each cloud)", path);
            var data = file.Dataset("data");
            var label = file.Dataset("label");
            var dims = data.Space.Dimensions;
            if (dims.Length != 3 || dims[2] != 3)
                throw new DatasetException($"'data' has shape [{string.Join(", ", dims)}]; expected [clouds, points, 3]", path);
            if (dims[0] == 0 || dims[0] > ModelNetLimits.MaxClouds)
                throw new DatasetException($"'data' holds {dims[0]} clouds; expected 1 to {ModelNetLimits.MaxClouds:N0}", path);
            if (dims[1] < (ulong)points)
                throw new DatasetException($"clouds have {dims[1]} points, fewer than the {points} asked for (--points)", path);
            if (dims[0] * dims[1] * 3 > (ulong)ModelNetLimits.MaxValues)
                throw new DatasetException($"'data' holds {dims[0] * dims[1] * 3:N0} values; too many for one array", path);
            if (data.Type.Class != H5DataTypeClass.FloatingPoint || data.Type.Size is not (4 or 8))
                throw new DatasetException($"'data' is {data.Type.Class} of {data.Type.Size} bytes; expected 32- or 64-bit floats", path);
            var labelDims = label.Space.Dimensions;
            if (!(labelDims.Length == 1 || labelDims.Length == 2 && labelDims[1] == 1) || labelDims[0] != dims[0])
                throw new DatasetException($"'label' has shape [{string.Join(", ", labelDims)}]; expected [{dims[0]}, 1] (one class per cloud)", path);
            if (label.Type.Class != H5DataTypeClass.FixedPoint || label.Type.Size is not (1 or 2 or 4 or 8))
                throw new DatasetException($"'label' is {label.Type.Class} of {label.Type.Size} bytes; expected integers", path);

            int n = (int)dims[0], stored = (int)dims[1];
            long[] labels = ReadIntegers(label, label.Type.Size, label.Type.FixedPoint.IsSigned);
            double[] values = data.Type.Size == 4 ? Array.ConvertAll(data.Read<float[]>(), v => (double)v) : data.Read<double[]>();
            var xyz = new float[(long)n * 3 * points];
            var sources = new string[n];
            var result = new int[n];
            for (int i = 0; i < n; i++)
            {
                if (labels[i] < 0 || labels[i] >= classes)
                    throw new DatasetException($"label {labels[i]} is not a class index (shape_names.txt lists {classes} classes)", path, index: i);
                result[i] = (int)labels[i];
                sources[i] = $"{path}[{i}]";
                long from = (long)i * stored * 3, to = (long)i * points * 3;
                for (int v = 0; v < 3 * points; v++)
                {
                    double x = values[from + v];
                    if (!double.IsFinite(x)) throw new DatasetException($"coordinate {x} is not a finite number", path, index: i);
                    xyz[to + v] = (float)x;
                }
                PointArrays.NormalizeToUnitSphere(xyz.AsSpan((int)to, 3 * points));
            }
            return new RawSplit(xyz, result, sources);
        }
        catch (ArborException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DatasetException($"not a readable HDF5 file ({e.Message})", path, inner: e);
        }
    }

    static long[] ReadIntegers(IH5Dataset dataset, int size, bool signed) => (size, signed) switch
    {
        (1, false) => Array.ConvertAll(dataset.Read<byte[]>(), v => (long)v),
        (1, true) => Array.ConvertAll(dataset.Read<sbyte[]>(), v => (long)v),
        (2, false) => Array.ConvertAll(dataset.Read<ushort[]>(), v => (long)v),
        (2, true) => Array.ConvertAll(dataset.Read<short[]>(), v => (long)v),
        (4, false) => Array.ConvertAll(dataset.Read<uint[]>(), v => (long)v),
        (4, true) => Array.ConvertAll(dataset.Read<int[]>(), v => (long)v),
        (8, false) => Array.ConvertAll(dataset.Read<ulong[]>(), v => v > long.MaxValue ? -1 : (long)v),
        _ => dataset.Read<long[]>(),
    };
}
