using System.Diagnostics;

namespace Arbor.Tests.Distributed;

/// <summary>Runs the built `arbor` CLI (Arbor.Cli.dll next to the tests) under Open MPI's mpirun, out of process.</summary>
public static class MpiRun
{
    /// <summary>mpirun on PATH, or null when Open MPI is not installed.</summary>
    public static string? Launcher { get; } = ExternalProcess.OnPath("mpirun");

    public const string SkipReason = "mpirun not found: install Open MPI (apt-get install openmpi-bin; .ci/run does it)";

    /// <summary>Runs `mpirun -np <paramref name="ranks"/> dotnet Arbor.Cli.dll <paramref name="args"/>`.</summary>
    public static (int Code, string Out, string Err) Cli(int ranks, IReadOnlyDictionary<string, string>? environment, TimeSpan limit, params string[] args)
    {
        var info = new ProcessStartInfo(Launcher ?? throw new InvalidOperationException(SkipReason));
        // Root in a container needs the allow-run-as-root switch; two cores need oversubscription for more ranks.
        foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(), "dotnet",
                                  Path.Combine(AppContext.BaseDirectory, "Arbor.Cli.dll") }.Concat(args))
            info.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return ExternalProcess.Run(info, limit);
    }
}

/// <summary>A fact that runs only where mpirun is installed (otherwise reported as skipped, with the reason).</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.Launcher is null) Skip = MpiRun.SkipReason;
    }
}
