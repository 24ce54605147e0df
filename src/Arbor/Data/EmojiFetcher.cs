using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Arbor.Data;

/// <summary>
/// Fetches the emoji sets with npm (<c>npm pack emoji-datasource-&lt;style&gt;@16.0.0</c>) and unpacks only what Arbor
/// reads (emoji.json and the 64 px images) into <c>&lt;folder&gt;/emoji-datasource-&lt;style&gt;/</c>. The package is
/// unpacked beside the target and renamed into place, so a reader never sees half a package.
/// </summary>
public static class EmojiFetcher
{
    /// <summary>The npm package version Arbor's emoji datasets are defined against.</summary>
    public const string Version = "16.0.0";

    /// <summary>Fetches each style not already present; returns the image count per style.</summary>
    public static IReadOnlyDictionary<string, int> Fetch(string folder, IEnumerable<string> styles, Action<string>? log = null)
    {
        Directory.CreateDirectory(folder);
        var counts = new Dictionary<string, int>();
        foreach (var style in styles.Select(s => s.ToLowerInvariant()))
        {
            if (!EmojiDatasets.Styles.Contains(style))
                throw new ArborException($"unknown emoji style '{style}'; known: {string.Join(", ", EmojiDatasets.Styles)}");
            var dest = Path.Combine(folder, $"emoji-datasource-{style}");
            var images = Path.Combine(dest, "img", style, "64");
            if (File.Exists(Path.Combine(dest, "emoji.json")) && Directory.Exists(images))
            {
                counts[style] = Directory.GetFiles(images).Length;
                log?.Invoke($"emoji-datasource-{style}: already in {dest} ({counts[style]} images)");
                continue;
            }
            var work = Path.Combine(folder, $".fetch-{style}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(work);
            try
            {
                var tarball = NpmPack($"emoji-datasource-{style}@{Version}", work);
                var unpacked = Path.Combine(work, "package");
                Extract(tarball, unpacked, entry => entry == "package/emoji.json" || entry.StartsWith($"package/img/{style}/64/", StringComparison.Ordinal));
                if (!File.Exists(Path.Combine(unpacked, "emoji.json")))
                    throw new ArborException($"the package has no emoji.json", tarball);
                if (Directory.Exists(dest)) Directory.Delete(dest, recursive: true);
                Directory.Move(unpacked, dest);
                counts[style] = Directory.GetFiles(images).Length;
                log?.Invoke($"emoji-datasource-{style}@{Version}: {counts[style]} images in {dest}");
            }
            finally
            {
                try { Directory.Delete(work, recursive: true); } catch (IOException) { }
            }
        }
        return counts;
    }

    static string NpmPack(string package, string workDir)
    {
        var start = new ProcessStartInfo("npm", new[] { "pack", "--silent", package })
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process process;
        try { process = Process.Start(start) ?? throw new ArborException("could not start npm"); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ArborException($"npm is needed to fetch {package} and was not found ({e.Message}); install Node.js, or unpack the package by hand", inner: e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new ArborException($"npm pack {package} failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
        }
        return Directory.GetFiles(workDir, "*.tgz").SingleOrDefault()
            ?? throw new ArborException($"npm pack {package} produced no .tgz", workDir);
    }

    static void Extract(string tarball, string destination, Func<string, bool> keep)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        var root = Path.GetFullPath(Path.GetDirectoryName(destination)!);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !keep(entry.Name)) continue;
            var target = Path.GetFullPath(Path.Combine(root, entry.Name));
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ArborException($"unsafe path '{entry.Name}' in the package", tarball);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            entry.ExtractToFile(target, overwrite: true);
        }
    }
}
