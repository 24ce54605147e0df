namespace Arbor.Data;

/// <summary>
/// Bad data: a truncated or malformed file, an image that cannot be decoded, a label outside the hierarchy, an empty class.
/// The message names the file and, when known, the line or the record index.
/// </summary>
public sealed class DatasetException : ArborException
{
    /// <summary>1-based line of a text file, when the problem is on one.</summary>
    public int? Line { get; }

    /// <summary>0-based record index in a binary file, when the problem is in one record.</summary>
    public long? Index { get; }

    public DatasetException(string problem, string? file, int? line = null, long? index = null, Exception? inner = null)
        : base(Compose(problem, file, line, index), file, inner)
    {
        Line = line;
        Index = index;
    }

    static string Compose(string problem, string? file, int? line, long? index)
    {
        var where = file is null ? "" : line is not null ? $"{file}:{line}: " : index is not null ? $"{file} [record {index}]: " : $"{file}: ";
        return where + problem;
    }
}
