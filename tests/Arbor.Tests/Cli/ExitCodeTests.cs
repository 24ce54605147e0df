using Arbor.Cli;

namespace Arbor.Tests.Cli;

/// <summary>The CLI's last line of defence: one line per failure, a distinct exit code per kind, traces only on request.</summary>
public class ExitCodeTests
{
    static (int Code, string Err) Report(Exception e, bool verbose = false, string? crashFolder = null)
    {
        var error = new StringWriter();
        int code = ArborCli.Report(e, error, verbose, crashFolder ?? Path.GetTempPath());
        return (code, error.ToString());
    }

    [Fact]
    public void Bad_input_is_one_line_with_exit_2()
    {
        var (code, err) = Report(new ArborException("line 3: two parents", "tree.json"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("error: tree.json: line 3: two parents", err.TrimEnd());
    }

    [Fact]
    public void An_IO_failure_names_the_path_with_exit_1()
    {
        var (code, err) = Report(new IOException("No space left on device : '/runs/a/model.safetensors'"));
        Assert.Equal(ExitCodes.IOError, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains("/runs/a/model.safetensors", err);
        Assert.Equal(ExitCodes.IOError, Report(new UnauthorizedAccessException("Access to the path '/ro' is denied.")).Code);
    }

    [Fact]
    public void A_missing_file_is_bad_input()
    {
        var (code, err) = Report(new FileNotFoundException("Could not find file.", "/data/x.csv"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("/data/x.csv", err);
    }

    [Fact]
    public void Cancellation_exits_130()
    {
        Assert.Equal(ExitCodes.Interrupted, Report(new OperationCanceledException()).Code);
    }

    [Fact]
    public void An_unexpected_exception_writes_a_crash_log_and_exits_70()
    {
        using var tmp = TestPaths.NewTempFolder();
        Exception thrown;
        try { throw new InvalidOperationException("boom"); }
        catch (Exception e) { thrown = e; }
        var (code, err) = Report(thrown, crashFolder: tmp.Path);
        Assert.Equal(ExitCodes.InternalError, code);
        var lines = err.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: internal error: InvalidOperationException: boom", lines[0]);
        Assert.DoesNotContain(" at ", lines[0]);
        var log = Assert.Single(Directory.GetFiles(tmp.Path));
        Assert.Contains(log, lines[0]);
        Assert.Contains(nameof(An_unexpected_exception_writes_a_crash_log_and_exits_70), File.ReadAllText(log));
    }

    [Fact]
    public void Verbose_prints_the_trace_instead()
    {
        Exception thrown;
        try { throw new InvalidOperationException("boom"); }
        catch (Exception e) { thrown = e; }
        var (code, err) = Report(thrown, verbose: true);
        Assert.Equal(ExitCodes.InternalError, code);
        Assert.StartsWith("error: internal error: InvalidOperationException: boom", err);
        Assert.Contains(nameof(Verbose_prints_the_trace_instead), err);
    }

    [Fact]
    public void Wrapped_user_errors_keep_their_code()
    {
        var wrapped = new AggregateException(new ArborException("bad row", "m.csv"));
        var (code, err) = Report(wrapped);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("error: m.csv: bad row", err.TrimEnd());
    }

    [Fact]
    public void A_usage_error_exits_2_and_verbose_is_accepted_everywhere()
    {
        Assert.Equal(ExitCodes.BadInput, CliHarness.Run("hierarchy", "show", "--no-such-option", "fashion-mnist").Code);
        var shown = CliHarness.Run("hierarchy", "show", "fashion-mnist", "--verbose");
        Assert.True(shown.Code == 0, shown.Err);
        var help = CliHarness.Run("--help");
        Assert.Contains("70 internal error", help.Out);
    }
}
