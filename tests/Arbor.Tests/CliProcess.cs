using System.Diagnostics;

namespace Arbor.Tests;

/// <summary>
/// The built CLI run out of process, as a user runs it (`dotnet Arbor.Cli.dll`): for tests that need their own
/// environment variables, which the in-process <see cref="CliHarness"/> would share with every other test.
/// </summary>
public static class CliProcess
{
    /// <summary>
    /// Runs `arbor <paramref name="args"/>` with <paramref name="environment"/> applied to this process's environment
    /// (a null value removes the variable).
    /// </summary>
    public static (int Code, string Out, string Err) Run(IReadOnlyDictionary<string, string?> environment, TimeSpan limit, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Arbor.Cli.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment)
            if (value is null) info.Environment.Remove(key); else info.Environment[key] = value;
        return ExternalProcess.Run(info, limit);
    }
}
