using System.Diagnostics;

namespace Arbor.Tests.Cli;

/// <summary>
/// scripts/evidence.sh and scripts/evidence-table.py make the evidence table of docs/results.md; their own tests
/// (scripts/tests/test_evidence.py: queue order, ledger, resume, table arithmetic, document sync) are Python, run here
/// so `dotnet test` covers them.
/// </summary>
public class EvidenceScriptTests
{
    [PythonFact]
    public void The_evidence_scripts_pass_their_tests()
    {
        var info = new ProcessStartInfo("python3")
        {
            WorkingDirectory = TestPaths.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-m", "unittest", "discover", "-s", Path.Combine("scripts", "tests") }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("scripts/tests did not finish in 5 minutes");
        }
        Assert.True(process.ExitCode == 0, stdout.Result + stderr.Result);
        Assert.Contains("OK", stderr.Result);
    }
}

public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "python3")));
        if (!onPath) Skip = "python3 not installed: scripts/tests (the evidence scripts' tests) not run";
    }
}
