using Arbor.Training;

namespace Arbor.Tests.Training;

public class ProgressReporterTests
{
    [Fact]
    public void RedirectedOutputGetsPlainLinesNamingTheNestedPhasesAndTheRunStatus()
    {
        var text = new StringWriter();
        var progress = new ProgressReporter(text, interactive: false) { PlainInterval = TimeSpan.Zero };
        progress.Start("epoch 2/5", 10);
        progress.RunStatus = "training eta 1:00 (1/5 epochs)";
        progress.Step(4, "loss 0.5");
        using (progress.Nested("validate", 3)) progress.Step(1);
        progress.Step(10);               // a finished phase writes nothing: its summary line follows
        progress.Line("epoch 2/5 done");
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("epoch 2/5 4/10 loss 0.5 eta ", lines[0]);
        Assert.EndsWith("| training eta 1:00 (1/5 epochs)", lines[0]);
        Assert.StartsWith("epoch 2/5 › validate 1/3", lines[1]);
        Assert.Equal("epoch 2/5 done", lines[2]);
        Assert.DoesNotContain("\r", text.ToString());
    }

    [Fact]
    public void RedirectedOutputIsThrottledToOneLinePerInterval()
    {
        var text = new StringWriter();
        var progress = new ProgressReporter(text, interactive: false) { PlainInterval = TimeSpan.FromHours(1) };
        progress.Start("evaluate", 1000);
        for (int i = 1; i < 1000; i++) progress.Step(i);
        Assert.Equal("", text.ToString());
    }

    [Fact]
    public void QuietSaysOnlyWarningsAndVerboseSaysDetails()
    {
        var quietText = new StringWriter();
        var quiet = new ProgressReporter(quietText, interactive: true, Verbosity.Quiet);
        quiet.Start("epoch 1/1", 2);
        quiet.Step(2);
        quiet.Line("epoch 1/1 loss 0.1");
        quiet.Detail("took 3 s");
        quiet.Warn("disk almost full");
        Assert.Equal("warning: disk almost full" + Environment.NewLine, quietText.ToString());

        var verboseText = new StringWriter();
        var verbose = new ProgressReporter(verboseText, interactive: false, Verbosity.Verbose);
        verbose.Detail("took 3 s");
        Assert.Contains("took 3 s", verboseText.ToString());
        var normalText = new StringWriter();
        new ProgressReporter(normalText, interactive: false).Detail("took 3 s");
        Assert.Equal("", normalText.ToString());
    }

    [Fact]
    public void TerminalOutputRedrawsOneLineAndClearsItBeforeALine()
    {
        var text = new StringWriter();
        var progress = new ProgressReporter(text, interactive: true);
        progress.Start("epoch 1/1", 2);
        progress.Step(2, "loss 0.25");
        progress.Line("done");
        var s = text.ToString();
        Assert.StartsWith("\repoch 1/1 [####################] 2/2 loss 0.25 eta 0:00", s);
        Assert.EndsWith("\rdone" + Environment.NewLine, s);
    }
}
