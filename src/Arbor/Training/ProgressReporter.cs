using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Arbor.Training;

/// <summary>How much a command says while it works.</summary>
public enum Verbosity
{
    /// <summary>Errors and warnings only (results still go to standard output).</summary>
    Quiet,
    /// <summary>Phase lines, epoch lines and progress.</summary>
    Normal,
    /// <summary>Also detail lines (timings of each phase, files written).</summary>
    Verbose,
}

/// <summary>
/// Progress of long work, as nested phases (a run › an epoch › its validation) under an optional whole-run status (what
/// is left of the run and its ETA). On a terminal it redraws one line — labels, a bar and ETA of the innermost phase, the run
/// status — a few times a second; when output is redirected it writes a plain line every <see cref="PlainInterval"/>
/// instead, so logs stay short, greppable and still show that work is going on.
/// A library user gets the same events typed: every step as a <see cref="ProgressUpdate"/> to an <see cref="IProgress{T}"/>
/// (the phase named with its outer phases, "epoch 3/10 › validate"), every line as an information message to an
/// <see cref="ILogger"/> (<see cref="To"/>).
/// </summary>
public sealed class ProgressReporter
{
    readonly TextWriter _out;
    readonly bool _interactive;
    readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    readonly List<Phase> _phases = new();
    readonly IProgress<ProgressUpdate>? _updates;
    readonly ILogger? _logger;
    int _lastWidth;

    sealed class Phase(string label, int total)
    {
        public string Label { get; } = label;
        public int Total { get; } = Math.Max(1, total);
        public int Done { get; set; }
        public string? Detail { get; set; }
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
    }

    /// <param name="output">Where progress goes (the CLI uses standard error, so standard output holds only results).</param>
    /// <param name="interactive">A person watches a terminal: redraw one line; otherwise plain lines.</param>
    /// <param name="verbosity">How much to say.</param>
    public ProgressReporter(TextWriter output, bool interactive, Verbosity verbosity = Verbosity.Normal)
    {
        _out = output;
        _interactive = interactive;
        Verbosity = verbosity;
    }

    ProgressReporter(IProgress<ProgressUpdate>? updates, ILogger? logger) : this(TextWriter.Null, false)
    {
        _updates = updates;
        _logger = logger;
    }

    /// <summary>
    /// A reporter for library users: each phase step goes to <paramref name="updates"/> (on the training thread; wrap a
    /// <see cref="Progress{T}"/> to marshal to a UI thread), each line (run start, epoch summaries, results) to
    /// <paramref name="logger"/> at Information level (warnings at Warning level). Either may be null.
    /// </summary>
    public static ProgressReporter To(IProgress<ProgressUpdate>? updates, ILogger? logger = null) =>
        updates is null && logger is null ? Silent : new(updates, logger);

    /// <summary>A reporter that prints nothing.</summary>
    public static ProgressReporter Silent { get; } = new(TextWriter.Null, false, Verbosity.Quiet);

    public Verbosity Verbosity { get; }

    /// <summary>How often a redirected reporter writes a plain progress line during a phase.</summary>
    public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The whole run's status shown after the phases (e.g. "run 3/10 epochs, eta 4:12"); null for none.</summary>
    public string? RunStatus { get; set; }

    /// <summary>Writes a plain line (clearing any progress bar first); nothing when quiet.</summary>
    public void Line(string text)
    {
        _logger?.LogInformation("{Line}", text);
        if (Verbosity == Verbosity.Quiet) return;
        Write(text);
    }

    /// <summary>A detail line, written only when verbose.</summary>
    public void Detail(string text)
    {
        _logger?.LogDebug("{Line}", text);
        if (Verbosity == Verbosity.Verbose) Write(text);
    }

    /// <summary>A warning line, written at every verbosity.</summary>
    public void Warn(string text)
    {
        _logger?.LogWarning("{Line}", text);
        Write(text.StartsWith("warning:", StringComparison.Ordinal) ? text : "warning: " + text);
    }

    void Write(string text)
    {
        lock (_phases)
        {
            ClearBar();
            _out.WriteLine(text);
            _out.Flush();
        }
    }

    /// <summary>Starts a top-level phase of <paramref name="total"/> steps, replacing any phases in progress.</summary>
    public void Start(string label, int total)
    {
        lock (_phases)
        {
            _phases.Clear();
            _phases.Add(new Phase(label, total));
            Update(_phases[^1]);
        }
    }

    /// <summary>
    /// Starts a phase nested in the current one (validation inside an epoch, extraction inside a probe); disposing it
    /// returns to the outer phase. Nested phases report the same way: <see cref="Step"/> advances the innermost.
    /// </summary>
    public IDisposable Nested(string label, int total)
    {
        var phase = new Phase(label, total);
        lock (_phases)
        {
            _phases.Add(phase);
            Update(phase);
        }
        return new PopOnDispose(this, phase);
    }

    sealed class PopOnDispose(ProgressReporter owner, Phase phase) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._phases) owner._phases.Remove(phase);
        }
    }

    /// <summary>Reports that <paramref name="done"/> of the innermost phase's steps are complete.</summary>
    public void Step(int done, string? detail = null)
    {
        if (Verbosity == Verbosity.Quiet && _updates is null) return;
        lock (_phases)
        {
            if (_phases.Count == 0) return;
            var phase = _phases[^1];
            phase.Done = done;
            phase.Detail = detail;
            Update(phase);
            if (Verbosity == Verbosity.Quiet) return;
            bool finished = done >= phase.Total;
            if (_interactive)
            {
                if (!finished && _sinceDraw.ElapsedMilliseconds < 200) return;
                _sinceDraw.Restart();
                var line = "\r" + Status(withBar: true);
                _out.Write(line.PadRight(_lastWidth));
                _lastWidth = line.Length;
                _out.Flush();
            }
            else if (_sinceDraw.Elapsed >= PlainInterval && !finished)
            {
                _sinceDraw.Restart();
                _out.WriteLine(Status(withBar: false));
                _out.Flush();
            }
        }
    }

    // The typed event of a phase for library users; the phase is named with its outer phases.
    void Update(Phase phase)
    {
        if (_updates is null) return;
        var name = string.Join(" › ", _phases.TakeWhile(p => p != phase).Select(p => p.Label).Append(phase.Label));
        _updates.Report(new ProgressUpdate(name, phase.Done, phase.Total, phase.Detail, phase.Clock.Elapsed));
    }

    /// <summary>Seconds since the innermost phase started.</summary>
    public double Elapsed
    {
        get { lock (_phases) return _phases.Count == 0 ? 0 : _phases[^1].Clock.Elapsed.TotalSeconds; }
    }

    /// <summary>The status line: outer phases by name and step, the innermost with bar and ETA, then the run status.</summary>
    string Status(bool withBar)
    {
        var parts = new List<string>();
        for (int i = 0; i < _phases.Count; i++)
        {
            var p = _phases[i];
            if (i < _phases.Count - 1) { parts.Add(p.Label); continue; }
            double frac = Math.Clamp((double)p.Done / p.Total, 0, 1);
            const int width = 20;
            int filled = (int)Math.Round(frac * width);
            var eta = p.Done > 0 ? TimeSpan.FromSeconds(p.Clock.Elapsed.TotalSeconds * (p.Total - p.Done) / p.Done) : (TimeSpan?)null;
            parts.Add($"{p.Label} " + (withBar ? $"[{new string('#', filled)}{new string('.', width - filled)}] " : "") +
                      $"{p.Done}/{p.Total}" + (p.Detail is null ? "" : $" {p.Detail}") + (eta is { } e ? $" eta {Format(e)}" : ""));
        }
        var line = string.Join(" › ", parts);
        return RunStatus is null ? line : $"{line} | {RunStatus}";
    }

    /// <summary>m:ss, or h:mm:ss from an hour on.</summary>
    public static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    void ClearBar()
    {
        if (!_interactive || _lastWidth == 0) return;
        _out.Write("\r" + new string(' ', _lastWidth) + "\r");
        _lastWidth = 0;
    }
}
