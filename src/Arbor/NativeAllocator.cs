namespace Arbor;

/// <summary>
/// Which native allocator serves libtorch's tensors in this process, and where jemalloc is to be found.
/// <para>
/// libtorch frees every activation after each step and allocates it again in the next. glibc serves blocks above its
/// mmap threshold (at most 32 MiB, see <see cref="NativeMemoryTuning"/>) with fresh mmap()s and unmaps them on free, so
/// every large activation is faulted in and zeroed by the kernel page by page, every step. At 28 px and batch 256 the
/// activations stay under 32 MiB and nothing is lost; at 64 px (ResNet-20, batch 256 × 2 views: 134 MB per activation)
/// a training step spends twice its compute time in the kernel: `arbor bench train -m hmlc --size 64 --channels 3
/// --threads 1` took 27.7 s per step with glibc and 11.7 s with jemalloc keeping its freed pages
/// (<see cref="JemallocConfig"/>), at the same 3.7 GB peak. Switching glibc's mmap off instead
/// (<c>GLIBC_TUNABLES=glibc.malloc.mmap_max=0</c>) is as fast but fragments the heap: resident memory grew by ~135 MB
/// per step (11.5 GB after 32 steps). The allocator changes no result: libtorch aligns every tensor to 64 bytes itself.
/// </para>
/// <para>
/// A preloaded allocator has to be in place before the process allocates anything, so the CLI starts itself again with
/// <c>LD_PRELOAD</c> (Arbor.Cli's AllocatorRelaunch); a host that embeds the library sets <c>LD_PRELOAD</c> and
/// <c>MALLOC_CONF</c> itself.
/// </para>
/// </summary>
public static class NativeAllocator
{
    /// <summary><c>ARBOR_ALLOCATOR=system</c> keeps the C library's allocator (no relaunch); unset or <c>jemalloc</c> uses
    /// jemalloc where it is installed.</summary>
    public const string ChoiceVariable = "ARBOR_ALLOCATOR";

    /// <summary>A jemalloc shared library to use instead of the standard locations (<see cref="FindJemalloc"/>).</summary>
    public const string PathVariable = "ARBOR_JEMALLOC";

    /// <summary>jemalloc's settings for training: freed pages are kept for reuse rather than returned to the kernel, so
    /// resident memory stays at the run's peak and no step faults its activations in again.</summary>
    public const string JemallocConfig = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

    /// <summary>Where Debian/Ubuntu (<c>apt-get install libjemalloc2</c>), Fedora and source installs put it.</summary>
    static readonly string[] JemallocLocations =
    {
        "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
        "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2",
    };

    /// <summary>True when <see cref="ChoiceVariable"/> asks for the C library's allocator.</summary>
    public static bool SystemRequested =>
        string.Equals(Environment.GetEnvironmentVariable(ChoiceVariable)?.Trim(), "system", StringComparison.OrdinalIgnoreCase);

    /// <summary>The jemalloc library to preload: <see cref="PathVariable"/> when it names a file, else the first standard
    /// location that exists; null on other systems or when it is not installed.</summary>
    public static string? FindJemalloc()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var chosen = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(chosen)) return File.Exists(chosen) ? Path.GetFullPath(chosen) : null;
        return JemallocLocations.FirstOrDefault(File.Exists);
    }

    /// <summary>The jemalloc library mapped into this process, or null (read from /proc/self/maps).</summary>
    public static string? LoadedJemalloc()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.AsSpan(slash).Contains("jemalloc", StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>The name of the allocator in use: "jemalloc" or "system".</summary>
    public static string Name => LoadedJemalloc() is null ? "system" : "jemalloc";

    /// <summary>One line for progress output: which allocator, and what to do when the fast one is missing.</summary>
    public static string Describe()
    {
        if (LoadedJemalloc() is { } loaded)
            return $"allocator jemalloc ({loaded}; MALLOC_CONF {Environment.GetEnvironmentVariable("MALLOC_CONF") ?? "jemalloc's defaults"})";
        if (!OperatingSystem.IsLinux()) return "allocator system";
        if (SystemRequested) return $"allocator system ({ChoiceVariable}=system)";
        return FindJemalloc() is null
            ? "allocator system (jemalloc is not installed: `apt-get install libjemalloc2` makes training on images of 64 px " +
              "and more about twice as fast; docs/training.md)"
            : "allocator system (jemalloc is installed but not loaded in this process; the arbor command loads it itself)";
    }
}
