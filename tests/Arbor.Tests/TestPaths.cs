namespace Arbor.Tests;

/// <summary>Where the repository and its test fixtures are, from wherever the tests run.</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding Arbor.slnx).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>tests/fixtures inside the repository: everything the suite reads lives in the clone itself.</summary>
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    /// <summary>A fixture's path; fails the test with a clear message when the fixture is missing.</summary>
    public static string Fixture(params string[] parts)
    {
        var path = Path.Combine(new[] { Fixtures }.Concat(parts).ToArray());
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"test fixture missing: {path}", path);
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
