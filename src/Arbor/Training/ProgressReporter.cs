using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Arbor.Training;

/// <summary>
/// Progress of long work. On a terminal it redraws one line (bar, step, loss, rate, ETA) at most a few times a second;
/// when output is redirected it writes plain lines only at the end of each phase/epoch, so logs stay short and greppable.
/// A library user gets the same events typed: every step as a <see cref="ProgressUpdate"/> to an <see cref="IProgress{T}"/>,
/// every line as an information message to an <see cref="ILogger"/> (<see cref="To"/>).
/// </summary>
public sealed class ProgressReporter
{
    readonly TextWriter _out;
    readonly bool _interactive;
    readonly Stopwatch _clock = new();
    readonly Stopwatch _sinceDraw = new();
    readonly IProgress<ProgressUpdate>? _updates;
    readonly ILogger? _logger;
    string _label = "";
    int _total;
    int _lastWidth;

    public ProgressReporter(TextWriter output, bool interactive)
    {
        _out = output;
        _interactive = interactive;
    }

    ProgressReporter(IProgress<ProgressUpdate>? updates, ILogger? logger) : this(TextWriter.Null, false)
    {
        _updates = updates;
        _logger = logger;
    }

    /// <summary>A reporter that prints nothing.</summary>
    public static ProgressReporter Silent { get; } = new(TextWriter.Null, false);

    /// <summary>
    /// A reporter for library users: each phase step goes to <paramref name="updates"/> (on the training thread; wrap a
    /// <see cref="Progress{T}"/> to marshal to a UI thread), each line (run start, epoch summaries, results) to
    /// <paramref name="logger"/> at Information level. Either may be null.
    /// </summary>
    public static ProgressReporter To(IProgress<ProgressUpdate>? updates, ILogger? logger = null) =>
        updates is null && logger is null ? Silent : new(updates, logger);

    /// <summary>Writes a plain line (clearing any progress bar first).</summary>
    public void Line(string text)
    {
        _logger?.LogInformation("{Line}", text);
        ClearBar();
        _out.WriteLine(text);
        _out.Flush();
    }

    /// <summary>Starts a phase of <paramref name="total"/> steps.</summary>
    public void Start(string label, int total)
    {
        _label = label;
        _total = Math.Max(1, total);
        _clock.Restart();
        _sinceDraw.Restart();
        _updates?.Report(new ProgressUpdate(label, 0, _total, null, TimeSpan.Zero));
    }

    /// <summary>Reports that <paramref name="done"/> of the phase's steps are complete.</summary>
    public void Step(int done, string? detail = null)
    {
        _updates?.Report(new ProgressUpdate(_label, done, _total, detail, _clock.Elapsed));
        if (!_interactive) return;
        if (done < _total && _sinceDraw.ElapsedMilliseconds < 200) return;
        _sinceDraw.Restart();
        double frac = Math.Clamp((double)done / _total, 0, 1);
        const int width = 24;
        int filled = (int)Math.Round(frac * width);
        var eta = done > 0 ? TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds * (_total - done) / done) : TimeSpan.Zero;
        var line = $"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{_total}" +
                   (detail is null ? "" : $" {detail}") + $" eta {Format(eta)}";
        _out.Write(line.PadRight(_lastWidth));
        _lastWidth = line.Length;
        _out.Flush();
    }

    /// <summary>Seconds since <see cref="Start"/>.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");

    void ClearBar()
    {
        if (!_interactive || _lastWidth == 0) return;
        _out.Write("\r" + new string(' ', _lastWidth) + "\r");
        _lastWidth = 0;
    }
}
