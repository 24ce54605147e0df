namespace Arbor.Data.Points;

/// <summary>
/// A triangle mesh: vertex coordinates (x, y, z per vertex) and triangles as vertex-index triples. What OFF files hold and
/// what the shape set builds; <see cref="SamplePoints"/> turns it into a point cloud.
/// </summary>
public sealed class TriangleMesh
{
    public TriangleMesh(double[] vertices, int[] triangles)
    {
        if (vertices.Length % 3 != 0) throw new ArgumentException("vertices: not a multiple of 3 coordinates");
        if (triangles.Length % 3 != 0) throw new ArgumentException("triangles: not a multiple of 3 indices");
        int count = vertices.Length / 3;
        foreach (var v in triangles)
            if ((uint)v >= (uint)count) throw new ArgumentException($"triangle vertex {v} not in 0..{count - 1}");
        Vertices = vertices;
        Triangles = triangles;
    }

    /// <summary>x, y, z of every vertex.</summary>
    public double[] Vertices { get; }

    /// <summary>Three vertex indices per triangle.</summary>
    public int[] Triangles { get; }

    public int TriangleCount => Triangles.Length / 3;

    /// <summary>Area of every triangle.</summary>
    public double[] Areas()
    {
        var areas = new double[TriangleCount];
        for (int t = 0; t < areas.Length; t++)
        {
            var (a, b, c) = Corners(t);
            double ux = b.X - a.X, uy = b.Y - a.Y, uz = b.Z - a.Z, vx = c.X - a.X, vy = c.Y - a.Y, vz = c.Z - a.Z;
            double nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
            areas[t] = 0.5 * Math.Sqrt(nx * nx + ny * ny + nz * nz);
        }
        return areas;
    }

    /// <summary>
    /// <paramref name="count"/> points uniformly distributed over the surface (x, y, z per point): a triangle is chosen with
    /// probability proportional to its area, then a point uniform in it (barycentric coordinates 1 − √r₁, √r₁(1 − r₂),
    /// √r₁·r₂). Null when the mesh has no area (every triangle degenerate).
    /// </summary>
    public float[]? SamplePoints(int count, Random random)
    {
        var areas = Areas();
        var cumulative = new double[areas.Length];
        double total = 0;
        for (int t = 0; t < areas.Length; t++) cumulative[t] = total += areas[t];
        if (!(total > 0) || !double.IsFinite(total)) return null;
        var points = new float[3 * count];
        for (int i = 0; i < count; i++)
        {
            int t = Array.BinarySearch(cumulative, random.NextDouble() * total);
            if (t < 0) t = ~t;
            t = Math.Min(t, areas.Length - 1);
            while (areas[t] == 0 && t > 0) t--;                   // the search may land on a zero-area neighbour
            var (a, b, c) = Corners(t);
            double r1 = Math.Sqrt(random.NextDouble()), r2 = random.NextDouble();
            double wa = 1 - r1, wb = r1 * (1 - r2), wc = r1 * r2;
            points[3 * i] = (float)(wa * a.X + wb * b.X + wc * c.X);
            points[3 * i + 1] = (float)(wa * a.Y + wb * b.Y + wc * c.Y);
            points[3 * i + 2] = (float)(wa * a.Z + wb * b.Z + wc * c.Z);
        }
        return points;
    }

    ((double X, double Y, double Z) A, (double X, double Y, double Z) B, (double X, double Y, double Z) C) Corners(int t) =>
        (Vertex(Triangles[3 * t]), Vertex(Triangles[3 * t + 1]), Vertex(Triangles[3 * t + 2]));

    (double X, double Y, double Z) Vertex(int v) => (Vertices[3 * v], Vertices[3 * v + 1], Vertices[3 * v + 2]);
}

/// <summary>Helpers on flat x, y, z point arrays.</summary>
public static class PointArrays
{
    /// <summary>
    /// Centres the cloud at its centroid and scales it so the farthest point is at distance 1 (PointNet++'s
    /// <c>pc_normalize</c>), in place. A cloud of one repeated point is only centred.
    /// </summary>
    public static void NormalizeToUnitSphere(Span<float> xyz)
    {
        int n = xyz.Length / 3;
        if (n == 0) return;
        double cx = 0, cy = 0, cz = 0;
        for (int i = 0; i < n; i++) { cx += xyz[3 * i]; cy += xyz[3 * i + 1]; cz += xyz[3 * i + 2]; }
        cx /= n; cy /= n; cz /= n;
        double radius = 0;
        for (int i = 0; i < n; i++)
        {
            double x = xyz[3 * i] - cx, y = xyz[3 * i + 1] - cy, z = xyz[3 * i + 2] - cz;
            radius = Math.Max(radius, x * x + y * y + z * z);
        }
        double scale = radius > 0 ? 1 / Math.Sqrt(radius) : 1;
        for (int i = 0; i < n; i++)
        {
            xyz[3 * i] = (float)((xyz[3 * i] - cx) * scale);
            xyz[3 * i + 1] = (float)((xyz[3 * i + 1] - cy) * scale);
            xyz[3 * i + 2] = (float)((xyz[3 * i + 2] - cz) * scale);
        }
    }
}
