namespace Arbor.Training;

/// <summary>Resident and peak memory of this process, from /proc (Linux); 0 where unavailable.</summary>
public static class MemoryProbe
{
    /// <summary>Current resident set size in MiB.</summary>
    public static double ResidentMiB() => Read("VmRSS:");

    /// <summary>Peak resident set size in MiB.</summary>
    public static double PeakMiB() => Read("VmHWM:");

    static double Read(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return double.Parse(line[key.Length..].Trim().Split(' ')[0]) / 1024.0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}
