using System.Text;
using Arbor.IO;

namespace Arbor.Hierarchy;

/// <summary>Splits one line of comma-separated values; fields may be quoted ("a, b"), with "" for a quote inside.</summary>
internal static class CsvFields
{
    /// <summary>
    /// The trimmed fields of <paramref name="line"/>, in one pass; an unclosed quote, or more than
    /// <paramref name="maxFields"/> fields, is an error naming file and line.
    /// </summary>
    public static List<string> Split(string line, string? file, int lineNumber, int maxFields = InputLimits.HierarchyLevels)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, wasQuoted = false, hasText = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"' && !hasText)
            {
                field.Clear();
                quoted = wasQuoted = hasText = true;
            }
            else if (c == ',')
            {
                if (fields.Count + 1 >= maxFields)
                    throw new HierarchyException($"more than {maxFields} fields on one line (the limit)", file, lineNumber);
                fields.Add(Finish(field, wasQuoted));
                wasQuoted = hasText = false;
            }
            else
            {
                field.Append(c);
                hasText |= !char.IsWhiteSpace(c);
            }
        }
        if (quoted) throw new HierarchyException("unclosed quote", file, lineNumber);
        fields.Add(Finish(field, wasQuoted));
        return fields;
    }

    // A quoted field keeps its inner spaces; text after the closing quote (only spaces, normally) is trimmed with it.
    static string Finish(StringBuilder field, bool wasQuoted)
    {
        var s = wasQuoted ? field.ToString().TrimEnd() : field.ToString().Trim();
        field.Clear();
        return s;
    }
}
