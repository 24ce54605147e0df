using System.Globalization;
using System.Text;
using PureHDF;

namespace Arbor.Tests.Points;

/// <summary>Tiny ModelNet sets in the three layouts, written by the tests.</summary>
internal static class ModelNetFiles
{
    /// <summary>A cloud of <paramref name="points"/> points whose coordinates encode (cloud, point): easy to check after reading.</summary>
    public static float[,] Cloud(int cloud, int points)
    {
        var xyz = new float[points, 3];
        for (int p = 0; p < points; p++)
        {
            xyz[p, 0] = cloud + 0.01f * p;
            xyz[p, 1] = -p * 0.02f;
            xyz[p, 2] = 0.5f * (p % 3);
        }
        return xyz;
    }

    /// <summary>An HDF5 file with datasets data [N, P, 3] (float32) and label [N, 1] (uint8), as modelnet40_ply_hdf5_2048 has.</summary>
    public static void WriteHdf5(string path, int[] labels, int points, int firstCloud = 0)
    {
        var data = new float[labels.Length, points, 3];
        for (int i = 0; i < labels.Length; i++)
        {
            var c = Cloud(firstCloud + i, points);
            for (int p = 0; p < points; p++) for (int k = 0; k < 3; k++) data[i, p, k] = c[p, k];
        }
        var label = new byte[labels.Length, 1];
        for (int i = 0; i < labels.Length; i++) label[i, 0] = (byte)labels[i];
        new H5File { ["data"] = data, ["label"] = label }.Write(path);
    }

    public static void WriteShapeNames(string path, IEnumerable<string> names) => File.WriteAllLines(path, names);

    /// <summary>A resampled-text sample file: x,y,z,nx,ny,nz rows.</summary>
    public static void WriteText(string path, float[,] cloud)
    {
        var text = new StringBuilder();
        for (int p = 0; p < cloud.GetLength(0); p++)
            text.Append(string.Join(",", new[] { cloud[p, 0], cloud[p, 1], cloud[p, 2], 0f, 1f, 0f }
                .Select(v => v.ToString("0.000000", CultureInfo.InvariantCulture)))).Append('\n');
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// A box OFF mesh [0, sx] × [0, sy] × [0, sz] (z up, as ModelNet stores meshes), optionally in ModelNet's style with the
    /// counts on the header line.
    /// </summary>
    public static void WriteBoxOff(string path, double sx, double sy, double sz, bool countsOnHeaderLine = false)
    {
        var v = new List<string>();
        for (int i = 0; i < 8; i++)
            v.Add(string.Join(" ", new[] { (i & 1) * sx, ((i >> 1) & 1) * sy, ((i >> 2) & 1) * sz }.Select(x => x.ToString(CultureInfo.InvariantCulture))));
        var faces = new[] { "4 0 1 3 2", "4 4 5 7 6", "4 0 1 5 4", "4 2 3 7 6", "4 0 2 6 4", "4 1 3 7 5" };
        var header = countsOnHeaderLine ? new[] { "OFF8 6 0" } : new[] { "OFF", "# a cube", "8 6 0" };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, header.Concat(v).Concat(faces));
    }
}
