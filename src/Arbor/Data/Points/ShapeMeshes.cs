namespace Arbor.Data.Points;

/// <summary>
/// The twelve solids of the shape set as triangle meshes in their own frame (y up, about unit size), with the proportions
/// a sample draws. Curved solids are surfaces of revolution (a profile turned about the up axis in
/// <see cref="Segments"/> steps), polyhedra are their exact faces.
/// </summary>
internal static class ShapeMeshes
{
    /// <summary>Steps around the up axis of a surface of revolution (area within 0.3 % of the true surface).</summary>
    const int Segments = 48;
    /// <summary>Steps along a curved profile (a half circle, a quarter circle, a tube).</summary>
    const int Arc = 24;

    /// <summary>The leaf names, in leaf-id order of the built-in <c>shapes</c> hierarchy.</summary>
    public static readonly string[] Names =
    {
        "sphere", "ellipsoid", "torus",
        "cylinder", "cone", "dome",
        "cube", "cuboid", "triangular-prism",
        "square-pyramid", "tetrahedron", "octahedron",
    };

    /// <summary>The mesh of shape <paramref name="name"/> with proportions drawn from <paramref name="random"/>.</summary>
    public static TriangleMesh Build(string name, Random random)
    {
        double U(double lo, double hi) => lo + (hi - lo) * random.NextDouble();
        switch (name)
        {
            case "sphere":
                return Revolve(HalfCircle(), closed: false);
            case "ellipsoid":
            {
                // Two axes clearly shorter than the third, in a random order (the long axis may stand up or lie down).
                var axes = new[] { 1.0, U(0.4, 0.65), U(0.65, 0.85) };
                random.Shuffle(axes);
                return Scale(Revolve(HalfCircle(), closed: false), axes[0], axes[1], axes[2]);
            }
            case "torus":
            {
                double tube = U(0.2, 0.35);
                var profile = Enumerable.Range(0, Arc).Select(i => 2 * Math.PI * i / Arc)
                    .Select(a => (R: 1 + tube * Math.Cos(a), Y: tube * Math.Sin(a))).ToArray();
                return Revolve(profile, closed: true);
            }
            case "cylinder":
            {
                double r = U(0.5, 0.9), h = U(0.5, 1.0);
                return Revolve(new[] { (0.0, -h), (r, -h), (r, h), (0.0, h) }, closed: false);
            }
            case "cone":
            {
                double r = U(0.5, 0.9), h = U(0.6, 1.0);
                return Revolve(new[] { (0.0, -h), (r, -h), (0.0, h) }, closed: false);
            }
            case "dome":
            {
                // A half sphere on its flat base, squashed or stretched upwards.
                var profile = new List<(double, double)> { (0.0, -0.4) };
                for (int i = 0; i <= Arc; i++)
                {
                    double a = Math.PI / 2 * i / Arc;
                    profile.Add((Math.Cos(a), Math.Sin(a) - 0.4));
                }
                return Scale(Revolve(profile.ToArray(), closed: false), 1, U(0.8, 1.2), 1);
            }
            case "cube":
                return Scale(Box(), U(0.95, 1.05), U(0.95, 1.05), U(0.95, 1.05));
            case "cuboid":
            {
                var sides = new[] { 1.0, U(0.3, 0.6), U(0.5, 0.8) };
                random.Shuffle(sides);
                return Scale(Box(), sides[0], sides[1], sides[2]);
            }
            case "triangular-prism":
            {
                double h = U(0.6, 1.2);
                var corners = new[] { 90.0, 210.0, 330.0 }.Select(d => d * Math.PI / 180).ToArray();
                var v = new List<double>();
                foreach (var y in new[] { -h, h })
                    foreach (var a in corners) v.AddRange(new[] { Math.Cos(a), y, Math.Sin(a) });
                return Polyhedron(v.ToArray(), new[] { new[] { 0, 1, 2 }, new[] { 3, 4, 5 },
                    new[] { 0, 1, 4, 3 }, new[] { 1, 2, 5, 4 }, new[] { 2, 0, 3, 5 } });
            }
            case "square-pyramid":
            {
                double h = U(0.6, 1.2);
                return Polyhedron(new[] { -1, -h, -1, 1, -h, -1, 1, -h, 1, -1, -h, 1, 0, h, 0 },
                    new[] { new[] { 0, 1, 2, 3 }, new[] { 0, 1, 4 }, new[] { 1, 2, 4 }, new[] { 2, 3, 4 }, new[] { 3, 0, 4 } });
            }
            case "tetrahedron":
                return Scale(Polyhedron(new double[] { 1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1 },
                    new[] { new[] { 0, 1, 2 }, new[] { 0, 1, 3 }, new[] { 0, 2, 3 }, new[] { 1, 2, 3 } }), U(0.9, 1.1), U(0.9, 1.1), U(0.9, 1.1));
            case "octahedron":
            {
                var v = new double[] { 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1 };
                var faces = new List<int[]>();
                foreach (var x in new[] { 0, 1 }) foreach (var y in new[] { 2, 3 }) foreach (var z in new[] { 4, 5 }) faces.Add(new[] { x, y, z });
                return Scale(Polyhedron(v, faces.ToArray()), U(0.9, 1.1), U(0.8, 1.25), U(0.9, 1.1));
            }
            default:
                throw new ArgumentException($"unknown shape '{name}'");
        }
    }

    /// <summary>The profile of a unit sphere, bottom pole to top pole.</summary>
    static (double R, double Y)[] HalfCircle() => Enumerable.Range(0, Arc + 1)
        .Select(i => -Math.PI / 2 + Math.PI * i / Arc).Select(a => (Math.Cos(a), Math.Sin(a))).ToArray();

    /// <summary>
    /// The surface swept by turning the profile (radius, height) about the y axis; a closed profile (a tube) also joins its
    /// last point to its first. Points on the axis give zero-area triangles, which sampling never picks.
    /// </summary>
    static TriangleMesh Revolve((double R, double Y)[] profile, bool closed)
    {
        int p = profile.Length;
        var v = new double[3 * p * Segments];
        for (int j = 0; j < p; j++)
            for (int s = 0; s < Segments; s++)
            {
                double a = 2 * Math.PI * s / Segments;
                int at = 3 * (j * Segments + s);
                v[at] = profile[j].R * Math.Cos(a);
                v[at + 1] = profile[j].Y;
                v[at + 2] = profile[j].R * Math.Sin(a);
            }
        var t = new List<int>();
        int rings = closed ? p : p - 1;
        for (int j = 0; j < rings; j++)
        {
            int j2 = (j + 1) % p;
            for (int s = 0; s < Segments; s++)
            {
                int s2 = (s + 1) % Segments;
                int a = j * Segments + s, b = j * Segments + s2, c = j2 * Segments + s2, d = j2 * Segments + s;
                t.AddRange(new[] { a, b, c, a, c, d });
            }
        }
        return new TriangleMesh(v, t.ToArray());
    }

    /// <summary>The cube [−1, 1]³.</summary>
    static TriangleMesh Box()
    {
        var v = new List<double>();
        for (int i = 0; i < 8; i++) v.AddRange(new double[] { (i & 1) == 0 ? -1 : 1, (i & 2) == 0 ? -1 : 1, (i & 4) == 0 ? -1 : 1 });
        return Polyhedron(v.ToArray(), new[]
        {
            new[] { 0, 1, 3, 2 }, new[] { 4, 5, 7, 6 }, new[] { 0, 1, 5, 4 }, new[] { 2, 3, 7, 6 }, new[] { 0, 2, 6, 4 }, new[] { 1, 3, 7, 5 },
        });
    }

    /// <summary>Convex faces (vertex indices in order around the face), each split into a fan of triangles.</summary>
    static TriangleMesh Polyhedron(double[] vertices, int[][] faces)
    {
        var t = new List<int>();
        foreach (var f in faces)
            for (int i = 1; i + 1 < f.Length; i++) t.AddRange(new[] { f[0], f[i], f[i + 1] });
        return new TriangleMesh(vertices, t.ToArray());
    }

    static TriangleMesh Scale(TriangleMesh mesh, double sx, double sy, double sz)
    {
        var v = (double[])mesh.Vertices.Clone();
        for (int i = 0; i < v.Length; i += 3) { v[i] *= sx; v[i + 1] *= sy; v[i + 2] *= sz; }
        return new TriangleMesh(v, mesh.Triangles);
    }
}
