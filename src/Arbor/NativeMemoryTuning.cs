using System.Runtime.InteropServices;

namespace Arbor;

/// <summary>
/// Process-wide tuning of glibc's allocator for libtorch's allocation pattern. By default glibc serves blocks above a
/// dynamic threshold (from 128 KiB) with fresh mmap()s and trims freed heap tops back to the kernel, so every training
/// step re-faults hundreds of MB of activations page by page; on this project's VM the first epoch of a run took 17.5 s
/// instead of 3.6 s (`arbor train --method ce --dataset fashion-mnist-embedded --epochs 3 --train-limit 2048`, same
/// losses). Fixing the mmap threshold at its maximum (32 MiB) and never trimming keeps the memory mapped and reused.
/// The library applies it itself when training starts or a run is opened (<see cref="Experiments.TrainRun"/>,
/// <see cref="Experiments.TrainedRun"/>); the CLI, the benchmarks and the tests call it at start-up. A no-op off glibc.
/// A host that must keep glibc's defaults sets <see cref="Enabled"/> to false first.
/// </summary>
public static class NativeMemoryTuning
{
    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;
    static int _applied;

    /// <summary>False keeps glibc's allocator settings untouched (set it before the first training run or <see cref="Apply"/>).</summary>
    public static bool Enabled { get; set; } = true;

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int parameter, int value);

    /// <summary>Applies the tuning once; returns true when glibc accepted it.</summary>
    public static bool Apply()
    {
        if (!Enabled || !OperatingSystem.IsLinux() || Interlocked.Exchange(ref _applied, 1) == 1) return false;
        try
        {
            bool ok = MallOpt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1;
            ok &= MallOpt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            return ok;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // not glibc (e.g. musl): nothing to tune
        }
    }
}
