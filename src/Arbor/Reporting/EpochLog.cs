using System.Globalization;
using System.Text;
using Arbor.IO;
using Arbor.Training;

namespace Arbor.Reporting;

/// <summary>
/// metrics.csv: one row per training epoch — <c>epoch, loss, lr, seconds, rss_mib, val_score, best</c>, then
/// <c>val_top1_&lt;level&gt;</c> per level (fractions in [0, 1]; empty when the epoch had no per-level validation).
/// The file is rewritten atomically after every epoch; a resumed run replaces rows from the resumed epoch on, so the file
/// always describes the epochs behind the current checkpoint.
/// </summary>
public sealed class EpochLog
{
    /// <summary>The file name in a run folder.</summary>
    public const string FileName = "metrics.csv";

    static readonly string[] Fixed = { "epoch", "loss", "lr", "seconds", "rss_mib", "val_score", "best" };

    readonly string _path;
    readonly string[] _levelColumns;
    readonly List<EpochRow> _rows;

    /// <summary>Opens (or starts) the log at <paramref name="path"/> for a hierarchy with these level names.</summary>
    public EpochLog(string path, IReadOnlyList<string> levelNames)
    {
        _path = path;
        _levelColumns = LevelColumns(levelNames);
        _rows = File.Exists(path) ? Read(path).ToList() : new List<EpochRow>();
    }

    /// <summary>Rows so far, in epoch order.</summary>
    public IReadOnlyList<EpochRow> Rows => _rows;

    /// <summary>Records a finished epoch (replacing any row of that epoch or later) and rewrites the file.</summary>
    public void Add(Trainer.EpochRecord record)
    {
        _rows.RemoveAll(r => r.Epoch >= record.Epoch);
        var levels = record.Validation?.Levels;
        _rows.Add(new EpochRow(record.Epoch, record.Loss, record.LearningRate, record.Seconds, record.ResidentMiB,
            record.Validation?.Score, record.IsBest,
            _levelColumns.Select((_, l) => levels is not null && l < levels.Count ? levels[l].Top1 : (double?)null).ToArray()));
        AtomicFile.WriteAllText(_path, Format(_levelColumns, _rows));
    }

    /// <summary>CSV column names for per-level validation accuracy: <c>val_top1_&lt;name&gt;</c>, made unique and CSV-safe.</summary>
    public static string[] LevelColumns(IReadOnlyList<string> levelNames)
    {
        var names = levelNames.Select((n, i) =>
        {
            var safe = System.Text.RegularExpressions.Regex.Replace(n.ToLowerInvariant(), "[^a-z0-9]+", "_").Trim('_');
            return safe.Length == 0 ? $"level{i + 1}" : safe;
        }).ToArray();
        return names.Select((n, i) => "val_top1_" + (names.Count(m => m == n) > 1 ? $"{n}{i + 1}" : n)).ToArray();
    }

    static string Format(string[] levelColumns, IEnumerable<EpochRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder(string.Join(",", Fixed.Concat(levelColumns))).Append('\n');
        foreach (var r in rows)
        {
            text.Append(c, $"{r.Epoch},{r.Loss:R},{r.LearningRate:R},{r.Seconds:0.###},{r.ResidentMiB:0.#},");
            text.Append(r.ValidationScore is { } s ? s.ToString("R", c) : "").Append(',').Append(r.IsBest ? '1' : '0');
            foreach (var v in r.LevelTop1) text.Append(',').Append(v is { } x ? x.ToString("R", c) : "");
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Reads a metrics.csv; a malformed file is an <see cref="ArborException"/> naming it and the line.</summary>
    public static IReadOnlyList<EpochRow> Read(string path) => ReadWithLevels(path).Rows;

    /// <summary>Reads a metrics.csv with its per-level column names (without the <c>val_top1_</c> prefix).</summary>
    public static (IReadOnlyList<string> Levels, IReadOnlyList<EpochRow> Rows) ReadWithLevels(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new ArborException("empty metrics.csv (no header)", path);
        var header = lines[0].Split(',');
        if (header.Length < Fixed.Length || !header.Take(Fixed.Length).SequenceEqual(Fixed))
            throw new ArborException($"line 1: not a metrics.csv header (expected it to start with {string.Join(",", Fixed)})", path);
        var levels = header.Skip(Fixed.Length).Select(h => h.StartsWith("val_top1_", StringComparison.Ordinal) ? h[9..] : h).ToArray();
        var rows = new List<EpochRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            if (f.Length != header.Length)
                throw new ArborException($"line {i + 1}: {f.Length} fields, the header has {header.Length}", path);
            try
            {
                rows.Add(new EpochRow(int.Parse(f[0], CultureInfo.InvariantCulture), Number(f[1])!.Value, Number(f[2])!.Value,
                    Number(f[3])!.Value, Number(f[4])!.Value, Number(f[5]), f[6] == "1",
                    f.Skip(Fixed.Length).Select(Number).ToArray()));
            }
            catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException)
            {
                throw new ArborException($"line {i + 1}: malformed number in metrics.csv", path);
            }
        }
        return (levels, rows);
    }

    static double? Number(string field) => field.Length == 0 ? null : double.Parse(field, NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>One row of metrics.csv.</summary>
public sealed record EpochRow(int Epoch, double Loss, double LearningRate, double Seconds, double ResidentMiB,
    double? ValidationScore, bool IsBest, IReadOnlyList<double?> LevelTop1);
