using System.Diagnostics;

namespace Arbor.Training;

/// <summary>
/// Progress of long work. On a terminal it redraws one line (bar, step, loss, rate, ETA) at most a few times a second;
/// when output is redirected it writes plain lines only at the end of each phase/epoch, so logs stay short and greppable.
/// </summary>
public sealed class ProgressReporter
{
    readonly TextWriter _out;
    readonly bool _interactive;
    readonly Stopwatch _clock = new();
    readonly Stopwatch _sinceDraw = new();
    string _label = "";
    int _total;
    int _lastWidth;

    public ProgressReporter(TextWriter output, bool interactive)
    {
        _out = output;
        _interactive = interactive;
    }

    /// <summary>A reporter that prints nothing.</summary>
    public static ProgressReporter Silent { get; } = new(TextWriter.Null, false);

    /// <summary>Writes a plain line (clearing any progress bar first).</summary>
    public void Line(string text)
    {
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
    }

    /// <summary>Reports that <paramref name="done"/> of the phase's steps are complete.</summary>
    public void Step(int done, string? detail = null)
    {
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
