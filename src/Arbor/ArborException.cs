namespace Arbor;

/// <summary>
/// An error in what the user gave Arbor (a file, a name, an option), as opposed to a bug. The CLI prints its message
/// without a stack trace and exits non-zero. Messages name the file and what is wrong with it.
/// </summary>
public class ArborException : Exception
{
    /// <summary>The file the problem is in, when there is one.</summary>
    public string? File { get; }

    public ArborException(string message, string? file = null, Exception? inner = null)
        : base(file is null || message.StartsWith(file, StringComparison.Ordinal) ? message : $"{file}: {message}", inner)
    {
        File = file;
    }
}
