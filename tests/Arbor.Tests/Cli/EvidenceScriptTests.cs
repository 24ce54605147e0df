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
        var info = new ProcessStartInfo("python3") { WorkingDirectory = TestPaths.RepoRoot };
        foreach (var a in new[] { "-m", "unittest", "discover", "-s", Path.Combine("scripts", "tests") }) info.ArgumentList.Add(a);
        var (code, output, error) = ExternalProcess.Run(info, TimeSpan.FromMinutes(5));
        Assert.True(code == 0, output + error);
        Assert.Contains("OK", error);
    }
}

public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (ExternalProcess.OnPath("python3") is null) Skip = "python3 not installed: scripts/tests (the evidence scripts' tests) not run";
    }
}
