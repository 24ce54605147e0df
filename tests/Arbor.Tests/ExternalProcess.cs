using System.Diagnostics;

namespace Arbor.Tests;

/// <summary>Out-of-process runs for the tests: a program found on PATH, run to the end with its output captured.</summary>
public static class ExternalProcess
{
    /// <summary>The full path of <paramref name="program"/> on PATH, or null when it is not installed.</summary>
    public static string? OnPath(string program) => Environment.GetEnvironmentVariable("PATH")?.Split(':')
        .Where(dir => dir.Length > 0).Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Starts <paramref name="info"/> with its output captured and standard input closed, and waits for it; a run longer
    /// than <paramref name="limit"/> is killed (with its children) and reported with what it wrote to standard error.
    /// </summary>
    public static (int Code, string Out, string Err) Run(ProcessStartInfo info, TimeSpan limit)
    {
        info.RedirectStandardOutput = info.RedirectStandardError = info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish within {limit}: {stderr.Result}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
