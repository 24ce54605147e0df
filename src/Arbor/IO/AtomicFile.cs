namespace Arbor.IO;

/// <summary>
/// Writes files atomically: the content goes to a temporary file beside the target, which is then renamed over it, so a
/// reader (or a crash) never sees a half-written file.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Tests: a predicate on the full path of a file about to be written; when it answers true, the write fails the way a
    /// full disk fails it — partway, after the temp file was created and filled (this async flow only). Covers every
    /// atomic write and <see cref="CheckFault"/>'s callers.
    /// </summary>
    internal static readonly AsyncLocal<Func<string, bool>?> Fault = new();

    /// <summary>Throws the simulated disk-full failure when <see cref="Fault"/> picks <paramref name="path"/>.</summary>
    internal static void CheckFault(string path)
    {
        if (Fault.Value?.Invoke(Path.GetFullPath(path)) == true) throw new IOException("No space left on device (simulated)");
    }

    /// <summary>Writes through <paramref name="write"/> into a temp file, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                CheckFault(full);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });
}
