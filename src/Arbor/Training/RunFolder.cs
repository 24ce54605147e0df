namespace Arbor.Training;

/// <summary>
/// The folder one training run writes: config.json, metrics.json, checkpoint.safetensors, train.log. A run folder that
/// already holds files is never silently overwritten: opening it for a new run needs <c>force</c>; resuming needs the
/// checkpoint inside.
/// </summary>
public sealed class RunFolder
{
    public string Path { get; }

    RunFolder(string path) => Path = path;

    public string ConfigFile => File("config.json");
    public string MetricsFile => File("metrics.json");
    public string CheckpointFile => File("checkpoint.safetensors");
    public string BestCheckpointFile => File("best.safetensors");
    public string LogFile => File("train.log");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates a folder for a new run; refuses a non-empty one unless <paramref name="force"/>.</summary>
    public static RunFolder CreateNew(string path, bool force)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (System.IO.File.Exists(full)) throw new ArborException("the run folder is a file", full);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            if (!force)
                throw new ArborException("run folder already exists and is not empty; pass --force to overwrite it, or --resume to continue it", full);
            foreach (var f in new[] { "config.json", "metrics.json", "checkpoint.safetensors", "best.safetensors", "train.log" })
                System.IO.File.Delete(System.IO.Path.Combine(full, f));
        }
        Directory.CreateDirectory(full);
        return new RunFolder(full);
    }

    /// <summary>Opens an existing run folder (for eval, predict, resume); it must hold config.json.</summary>
    public static RunFolder OpenExisting(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new ArborException("run folder not found", full);
        var run = new RunFolder(full);
        if (!System.IO.File.Exists(run.ConfigFile)) throw new ArborException("not a run folder: config.json is missing", full);
        return run;
    }

    /// <summary>Appends a line to train.log.</summary>
    public void Log(string line) => System.IO.File.AppendAllText(LogFile, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {line}\n");
}
