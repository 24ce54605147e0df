using System.Text;

namespace Arbor.IO;

/// <summary>
/// Reads text files strictly: valid UTF-8 only (a leading byte-order mark is allowed and dropped), a size limit checked
/// before reading, and no control characters other than tab, CR and LF. A file that breaks a rule is an
/// <see cref="ArborException"/> naming the file, the line and the byte.
/// </summary>
public static class TextInput
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text of <paramref name="path"/>; <paramref name="what"/> names the kind of file in errors.</summary>
    public static string ReadFile(string path, long maxBytes, string what)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            if (stream.Length > maxBytes)
                throw new ArborException($"{what} is {stream.Length:N0} bytes, over the {maxBytes:N0}-byte limit", path);
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (FileNotFoundException)
        {
            throw new ArborException($"{what} not found", path);
        }
        catch (DirectoryNotFoundException)
        {
            throw new ArborException($"{what} not found (no such folder)", path);
        }
        catch (EndOfStreamException)
        {
            throw new ArborException($"{what} shrank while being read", path);
        }
        return Decode(bytes, path, what);
    }

    /// <summary>Decodes UTF-8 bytes strictly (see the class summary).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string path, string what)
    {
        if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        string text;
        try
        {
            text = Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            long at = FirstInvalid(bytes);
            throw new ArborException($"{what} is not valid UTF-8: bad byte 0x{bytes[(int)Math.Max(0, at)]:x2} at offset {at} " +
                $"(line {LineAt(bytes, at)}); save it as UTF-8", path);
        }
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < ' ' && c != '\t' && c != '\n' && c != '\r' || c == '\u007f')
                throw new ArborException($"{what} holds control character U+{(int)c:X4} on line {LineAt(text, i)}; not a text file?", path);
        }
        return text;
    }

    /// <summary>Why <paramref name="name"/> cannot be a name (a lone surrogate, a control character), or null when it can.</summary>
    public static string? NameProblem(string name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return $"holds a lone surrogate U+{(int)c:X4} (not valid Unicode text)";
            if (char.IsControl(c)) return $"holds control character U+{(int)c:X4}";
        }
        return null;
    }

    static long FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out int read, out _, replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done ? 0 : read;
    }

    static int LineAt(ReadOnlySpan<byte> bytes, long offset) => bytes[..(int)Math.Clamp(offset, 0, bytes.Length)].Count((byte)'\n') + 1;

    static int LineAt(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
