using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Arbor.Cli;

/// <summary>
/// Starts the command again under jemalloc when it computes with tensors and jemalloc is installed but not loaded
/// (<see cref="NativeAllocator"/> says why: twice the training speed at 64 px). The new process gets
/// <c>LD_PRELOAD</c>, <c>MALLOC_CONF</c> (unless the user set one) and a marker that stops a second relaunch; it shares
/// the terminal, standard input and output, and its exit code becomes this one's. Ctrl-C reaches it through the
/// terminal's process group; SIGTERM sent to this process is passed on. Nothing is relaunched under MPI (mpirun
/// started this process and speaks to it, not to a child: pass <c>-x LD_PRELOAD -x MALLOC_CONF</c> to mpirun instead),
/// with <c>ARBOR_ALLOCATOR=system</c>, or when the relaunch cannot start (the command then runs here as before).
/// </summary>
internal static class AllocatorRelaunch
{
    /// <summary>Set in the relaunched process: it must not relaunch again, whatever it finds.</summary>
    internal const string Marker = "ARBOR_ALLOCATOR_RELAUNCHED";

    static readonly string[] MpiVariables = { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK" };

    /// <summary>The relaunched command's exit code, or null when this process should run the command itself.</summary>
    public static int? Run(string[] args)
    {
        if (!OperatingSystem.IsLinux() || !ArborCli.Computes(args)) return null;
        if (Environment.GetEnvironmentVariable(Marker) is not null || NativeAllocator.SystemRequested) return null;
        if (MpiVariables.Any(v => Environment.GetEnvironmentVariable(v) is not null)) return null;
        if (NativeAllocator.LoadedJemalloc() is not null) return null;   // preloaded by the user already
        if (NativeAllocator.FindJemalloc() is not { } library || Environment.ProcessPath is not { } host) return null;

        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        // Under `dotnet Arbor.Cli.dll` the host is dotnet and the program its first argument; an apphost is the program.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        foreach (var a in args) info.ArgumentList.Add(a);
        var preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        info.Environment["LD_PRELOAD"] = string.IsNullOrEmpty(preload) ? library : library + ":" + preload;
        if (Environment.GetEnvironmentVariable("MALLOC_CONF") is null) info.Environment["MALLOC_CONF"] = NativeAllocator.JemallocConfig;
        info.Environment[Marker] = "1";

        Process child;
        try
        {
            child = Process.Start(info) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
        using (child)
        {
            // The terminal sends Ctrl-C to both processes: the child reports the interruption and exits 130; this one waits.
            ConsoleCancelEventHandler ignore = (_, e) => e.Cancel = true;
            Console.CancelKeyPress += ignore;
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                _ = Kill(child.Id, 15);
            });
            child.WaitForExit();
            Console.CancelKeyPress -= ignore;
            return child.ExitCode;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);
}
