using System.Text;

namespace Arbor.Hierarchy;

/// <summary>Splits one line of comma-separated values; fields may be quoted ("a, b"), with "" for a quote inside.</summary>
internal static class CsvFields
{
    /// <summary>The trimmed fields of <paramref name="line"/>; an unclosed quote is an error naming file and line.</summary>
    public static List<string> Split(string line, string? file, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, wasQuoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = wasQuoted = true;
            }
            else if (c == ',')
            {
                fields.Add(Finish(field, wasQuoted));
                wasQuoted = false;
            }
            else field.Append(c);
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
