namespace Arbor.Tests;

/// <summary>Where the repository and the shared fixtures are, from wherever the tests run (a clone sits beside shared/).</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding Arbor.slnx).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared/fixtures relative to the repository root.</summary>
    public static string SharedFixtures => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));

    /// <summary>A shared fixture's path; fails the test with a clear message when the fixture is missing.</summary>
    public static string Fixture(params string[] parts)
    {
        var path = Path.Combine(new[] { SharedFixtures }.Concat(parts).ToArray());
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"shared fixture missing: {path} (tests expect ../shared beside the clone)", path);
        return path;
    }

    /// <summary>A fresh empty temporary folder, deleted when disposed.</summary>
    public static TempFolder NewTempFolder() => new();

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Arbor.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Arbor.slnx above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary folder that deletes itself.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "arbor-test-" + Guid.NewGuid().ToString("N"));
    public TempFolder() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
