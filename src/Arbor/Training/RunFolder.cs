namespace Arbor.Training;

/// <summary>
/// The folder one training run writes: config.json, hierarchy.json, checkpoint.safetensors, best.safetensors,
/// model.safetensors, metrics.json, train.log, README.md (and skipped-images.txt). A run folder is the model: everything
/// `predict` and `eval` need is inside it.
/// A folder that holds another run's results is never silently overwritten: a new run into it needs <c>force</c>. A run
/// that never reached its first checkpoint (killed in epoch 1) holds nothing worth keeping, so a new run or a resume
/// starts it over. While a process trains in a folder it holds an exclusive lock on <c>.lock</c> (an OS file lock, released
/// even by kill -9); a second process is refused with the holder's pid. Temp files an interrupted atomic write left behind
/// are removed when the lock is taken.
/// </summary>
public sealed class RunFolder : IDisposable
{
    const string LockName = ".lock", PidName = ".lock.pid";
    FileStream? _lock;

    public string Path { get; }

    RunFolder(string path) => Path = path;

    public string ConfigFile => File("config.json");
    public string HierarchyFile => File("hierarchy.json");
    public string MetricsFile => File("metrics.json");
    public string CheckpointFile => File("checkpoint.safetensors");
    public string BestCheckpointFile => File("best.safetensors");
    public string ModelFile => File("model.safetensors");
    public string LogFile => File("train.log");
    public string ModelCardFile => File("README.md");
    public string SkippedImagesFile => File("skipped-images.txt");

    /// <summary>Every file a run writes (what --force and starting over remove).</summary>
    public static IReadOnlyList<string> RunFiles { get; } = new[]
    {
        "config.json", "hierarchy.json", "metrics.json", "checkpoint.safetensors", "best.safetensors", "model.safetensors",
        "train.log", "README.md", "skipped-images.txt",
    };

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>What a folder holds, seen from `arbor train`.</summary>
    public enum State { Absent, Empty, Foreign, Unstarted, Resumable, Finished }

    /// <summary>
    /// Absent / Empty; Foreign (files, but no config.json); Unstarted (config.json but no checkpoint: killed before the first
    /// epoch ended); Resumable (a checkpoint); Finished (a model file).
    /// </summary>
    public static State Inspect(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (System.IO.File.Exists(full)) throw new ArborException("the run folder is a file", full);
        if (!Directory.Exists(full)) return State.Absent;
        var names = Directory.EnumerateFileSystemEntries(full).Select(System.IO.Path.GetFileName)
            .Where(n => n is not null && n != LockName && n != PidName && !IsTempFile(n)).ToHashSet();
        if (names.Count == 0) return State.Empty;
        if (!names.Contains("config.json")) return State.Foreign;
        if (names.Contains("model.safetensors")) return State.Finished;
        return names.Contains("checkpoint.safetensors") ? State.Resumable : State.Unstarted;
    }

    /// <summary>
    /// Opens a folder for training and locks it. <paramref name="fresh"/>: a new run (clears an unstarted run's files; any
    /// other non-empty folder needs <paramref name="force"/>). Otherwise the folder is opened as it is (resume).
    /// </summary>
    public static RunFolder OpenForTraining(string path, bool fresh, bool force)
    {
        var full = System.IO.Path.GetFullPath(path);
        var state = Inspect(full);
        if (fresh && state is State.Foreign or State.Resumable or State.Finished && !force)
            throw new ArborException(state == State.Foreign
                ? "run folder already exists and holds other files; pass --force to overwrite it, or choose another --out"
                : "run folder already exists and is not empty; pass --force to overwrite it, or --resume to continue it", full);
        try { Directory.CreateDirectory(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArborException($"cannot create the run folder ({e.Message})", full, e);
        }
        var run = new RunFolder(full);
        run.TakeLock();
        try
        {
            run.RemoveTempFiles();
            if (fresh)
                foreach (var f in RunFiles)
                    System.IO.File.Delete(run.File(f));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            run.Dispose();
            throw new ArborException($"cannot clear the run folder ({e.Message})", full, e);
        }
        return run;
    }

    /// <summary>Opens an existing run folder for reading (eval, predict); it must hold config.json.</summary>
    public static RunFolder OpenExisting(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new ArborException("run folder not found", full);
        var run = new RunFolder(full);
        if (!System.IO.File.Exists(run.ConfigFile)) throw new ArborException("not a run folder: config.json is missing", full);
        return run;
    }

    /// <summary>
    /// The run folder as seen by a data-parallel rank other than 0: paths only, no lock, nothing created or cleared (rank 0
    /// owns the folder; the others read its checkpoint on resume).
    /// </summary>
    public static RunFolder Observe(string path) => new(System.IO.Path.GetFullPath(path));

    /// <summary>Appends a line to train.log.</summary>
    public void Log(string line) =>
        WriteGuard(LogFile, () =>
        {
            Arbor.IO.AtomicFile.CheckFault(LogFile);   // the one write that appends instead of replacing atomically
            System.IO.File.AppendAllText(LogFile, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {line}\n");
        });

    const string WarningPrefix = "warning: ";

    /// <summary>Appends a warning about the run to train.log ("warning: …"); <see cref="LoggedWarnings"/> reads them back.</summary>
    public void LogWarning(string warning) => Log(WarningPrefix + warning);

    /// <summary>
    /// The warnings train.log holds (<see cref="LogWarning"/>'s lines, timestamp and prefix removed), each once: a resumed
    /// run may repeat one. Empty when there is no log. The model card lists them, so a person who finds the folder later
    /// need not dig the log for "this run collapsed".
    /// </summary>
    public IReadOnlyList<string> LoggedWarnings()
    {
        if (!System.IO.File.Exists(LogFile)) return Array.Empty<string>();
        return System.IO.File.ReadLines(LogFile)
            .Select(line => line.IndexOf(' ') is int space and >= 0 ? line[(space + 1)..] : line)
            .Where(line => line.StartsWith(WarningPrefix, StringComparison.Ordinal))
            .Select(line => line[WarningPrefix.Length..])
            .Distinct()
            .ToList();
    }

    /// <summary>
    /// Runs a write into the run folder, turning disk-full, read-only and permission failures into one-line errors naming
    /// the file (the files written before stay as they were: every other write is atomic).
    /// </summary>
    public static void WriteGuard(string file, Action write, string then = "continue with --resume")
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArborException($"cannot write ({e.Message.TrimEnd('.')}); free space or fix permissions, then {then}", file, e);
        }
    }

    void TakeLock()
    {
        var lockFile = File(LockName);
        var pidFile = File(PidName);
        try
        {
            // FileShare.None is an exclusive flock() on Unix: held until this process closes it or dies (kill -9 included).
            _lock = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (System.IO.File.Exists(lockFile))
        {
            // The holder's pid is in a file of its own: .NET takes a shared flock on any other open of the lock file.
            string holder = "another process";
            try
            {
                if (int.TryParse(System.IO.File.ReadAllText(pidFile).Trim(), out var pid)) holder = $"process {pid}";
            }
            catch (IOException) { }
            throw new ArborException($"the run folder is in use: {holder} is training in it (lock {LockName})", Path, e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)   // read-only file system, permissions
        {
            throw new ArborException($"cannot write in the run folder ({e.Message.TrimEnd('.')})", Path, e);
        }
        try
        {
            WriteGuard(pidFile, () => System.IO.File.WriteAllText(pidFile, $"{Environment.ProcessId}\n"));
        }
        catch
        {
            _lock.Dispose();   // a folder this process cannot write in is not held
            _lock = null;
            throw;
        }
    }

    /// <summary>Removes temp files an interrupted atomic write left (".name.pid.guid.tmp"); call only under the lock.</summary>
    void RemoveTempFiles()
    {
        foreach (var f in Directory.EnumerateFiles(Path, ".*.tmp"))
            if (IsTempFile(System.IO.Path.GetFileName(f)))
                WriteGuard(f, () => System.IO.File.Delete(f));
    }

    static bool IsTempFile(string name) => name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal);

    /// <summary>Releases the lock (and removes the lock file).</summary>
    public void Dispose()
    {
        if (_lock is null) return;
        try
        {
            System.IO.File.Delete(File(PidName));
            System.IO.File.Delete(File(LockName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _lock.Dispose();
        _lock = null;
    }
}
