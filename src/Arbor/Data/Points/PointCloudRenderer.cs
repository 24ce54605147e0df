namespace Arbor.Data.Points;

/// <summary>
/// Draws a point cloud as a small picture for people: an orthographic view from the front-right and a little above,
/// points painted far to near as 2×2 dots whose brightness falls with depth, on white.
/// </summary>
public static class PointCloudRenderer
{
    const double Azimuth = -0.6, Elevation = 0.35;   // radians: turned to the right, looking slightly down

    /// <summary>
    /// Channel planes [3, size, size] in [0, 1] of the cloud <paramref name="xyz"/> (x, y, z per point, y up), scaled so
    /// its largest distance from the centroid fills the frame.
    /// </summary>
    public static float[] Render(ReadOnlySpan<float> xyz, int size)
    {
        int n = xyz.Length / 3;
        var image = new float[3 * size * size];
        Array.Fill(image, 1f);
        if (n == 0) return image;
        double cx = 0, cy = 0, cz = 0;
        for (int i = 0; i < n; i++) { cx += xyz[3 * i]; cy += xyz[3 * i + 1]; cz += xyz[3 * i + 2]; }
        cx /= n; cy /= n; cz /= n;
        double radius = 1e-9;
        for (int i = 0; i < n; i++)
            radius = Math.Max(radius, Math.Sqrt(Sq(xyz[3 * i] - cx) + Sq(xyz[3 * i + 1] - cy) + Sq(xyz[3 * i + 2] - cz)));
        double ca = Math.Cos(Azimuth), sa = Math.Sin(Azimuth), ce = Math.Cos(Elevation), se = Math.Sin(Elevation);
        var screen = new (double U, double V, double Depth)[n];
        for (int i = 0; i < n; i++)
        {
            double x = (xyz[3 * i] - cx) / radius, y = (xyz[3 * i + 1] - cy) / radius, z = (xyz[3 * i + 2] - cz) / radius;
            double x1 = ca * x + sa * z, z1 = -sa * x + ca * z;        // turn about the up axis
            double y2 = ce * y - se * z1, z2 = se * y + ce * z1;       // tilt: look down a little
            screen[i] = (x1, y2, z2);                                  // larger z2: nearer the viewer
        }
        Array.Sort(screen, (a, b) => a.Depth.CompareTo(b.Depth));
        double scale = (size - 3) / 2.0;
        int plane = size * size;
        foreach (var (u, v, depth) in screen)
        {
            int px = (int)Math.Round(size / 2.0 - 1 + u * scale), py = (int)Math.Round(size / 2.0 - 1 - v * scale);
            float shade = (float)(0.25 + 0.6 * (1 - (depth + 1) / 2));   // near: dark, far: light (reads as depth on white)
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                {
                    int x = px + dx, y = py + dy;
                    if ((uint)x >= (uint)size || (uint)y >= (uint)size) continue;
                    int at = y * size + x;
                    image[at] = shade * 0.55f;
                    image[plane + at] = shade * 0.75f;
                    image[2 * plane + at] = Math.Min(1f, shade * 1.25f);
                }
        }
        return image;
    }

    static double Sq(double v) => v * v;
}
