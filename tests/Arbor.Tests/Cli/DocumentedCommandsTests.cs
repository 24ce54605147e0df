using System.Text.RegularExpressions;
using Arbor.Cli;

namespace Arbor.Tests.Cli;

/// <summary>
/// Every `arbor` command the README and docs/ show parses with the real command tree: no unknown command or option, no
/// missing argument, no value of the wrong type. Commands are taken from shell code blocks and from inline code spans
/// that start with `./arbor` or `arbor`; templates (alternatives written a|b, "…", shell variables, pipes) are left out,
/// and placeholders in capitals (RUN, DIR, S) stand for a value. A code block is a whole command, so it must parse
/// completely; an inline span is often part of one (`arbor train … --lr 0.1` in a sentence), so there only the command
/// path, the option names and their values must be right, not the presence of required options.
/// </summary>
public partial class DocumentedCommandsTests
{
    [Fact]
    public void Every_documented_command_parses()
    {
        var root = TestPaths.RepoRoot;
        var files = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md")).ToArray();
        var failures = new List<string>();
        int parsed = 0;
        foreach (var file in files)
            foreach (var (line, command, whole) in Commands(File.ReadAllLines(file)))
            {
                var tokens = Tokenize(command);
                if (tokens is null) continue;
                var result = ArborCli.Build().Parse(tokens.Select(t => Placeholder().IsMatch(t) ? "1" : t).ToArray());
                parsed++;
                var errors = result.Errors.Select(e => e.Message).Where(m => whole || !Missing().IsMatch(m)).ToArray();
                if (errors.Length > 0)
                    failures.Add($"{Path.GetFileName(file)}:{line}: {command}\n    {string.Join("; ", errors)}");
            }
        Assert.True(parsed >= 40, $"only {parsed} documented commands found: the extraction is broken");
        Assert.True(failures.Count == 0, $"{failures.Count} of {parsed} documented commands do not parse:\n" + string.Join("\n", failures));
    }

    /// <summary>(line number, the command after `arbor`, whether it is a whole command) for each candidate in a markdown file.</summary>
    static IEnumerable<(int Line, string Command, bool Whole)> Commands(string[] lines)
    {
        bool inShell = false, inOther = false;
        string pending = "";
        int pendingLine = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var text = lines[i];
            var fence = text.TrimStart();
            if (fence.StartsWith("```", StringComparison.Ordinal))
            {
                if (inShell || inOther) { inShell = inOther = false; pending = ""; }
                else if (fence is "```" or "```bash" or "```sh" or "```shell" or "```console") inShell = true;
                else inOther = true;
                continue;
            }
            if (inOther) continue;
            if (inShell)
            {
                var code = StripComment(text).Trim();
                if (pending.Length > 0) code = pending + " " + code;
                else pendingLine = i + 1;
                if (code.EndsWith('\\')) { pending = code[..^1].TrimEnd(); continue; }
                pending = "";
                if (AfterArbor(code) is { } command) yield return (pendingLine, command, true);
                continue;
            }
            foreach (Match span in InlineCode().Matches(text))
                if (AfterArbor(span.Groups[1].Value.Trim()) is { } command) yield return (i + 1, command, false);
        }
    }

    /// <summary>The part after a leading `./arbor` or `arbor` (so `mpirun … arbor` and `dotnet …` are not taken).</summary>
    static string? AfterArbor(string code)
    {
        foreach (var prefix in new[] { "./arbor ", "arbor " })
            if (code.StartsWith(prefix, StringComparison.Ordinal)) return code[prefix.Length..].Trim();
        return null;
    }

    static string StripComment(string line)
    {
        bool single = false, dbl = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\'' && !dbl) single = !single;
            else if (c == '"' && !single) dbl = !dbl;
            else if (c == '#' && !single && !dbl && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    /// <summary>Shell words of a plain command; null for a template or anything that needs a shell to mean something.</summary>
    static string[]? Tokenize(string command)
    {
        if (command.Length == 0 || Template().IsMatch(command)) return null;
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool single = false, dbl = false, any = false;
        foreach (char c in command)
        {
            if (c == '\'' && !dbl) { single = !single; any = true; continue; }
            if (c == '"' && !single) { dbl = !dbl; any = true; continue; }
            if (char.IsWhiteSpace(c) && !single && !dbl)
            {
                if (word.Length > 0 || any) words.Add(word.ToString());
                word.Clear();
                any = false;
                continue;
            }
            word.Append(c);
        }
        if (single || dbl) return null;
        if (word.Length > 0 || any) words.Add(word.ToString());
        return words.ToArray();
    }

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex InlineCode();

    /// <summary>Shell syntax or documentation notation: variables, pipes and redirections, a|b alternatives, ellipses, [optional] and &lt;placeholder&gt;.</summary>
    [GeneratedRegex(@"[$|<>;&…\[\]{}]|\.\.\.|\bS\d|\(")]
    private static partial Regex Template();

    /// <summary>System.CommandLine's messages for something required that is absent.</summary>
    [GeneratedRegex(@"is required\.|Required argument missing|Required command was not provided")]
    private static partial Regex Missing();

    [GeneratedRegex(@"^[A-Z][A-Z0-9_]*$")]
    private static partial Regex Placeholder();
}
