using Arbor.Cli;

namespace Arbor.Tests;

/// <summary>Runs the `arbor` command in-process and captures what it prints.</summary>
public static class CliHarness
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ArborCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
