using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Arbor.IO;

/// <summary>One MATLAB array: class, dimensions, and its numbers, text, cells or struct fields.</summary>
internal sealed class MatArray
{
    /// <summary>Variable name (empty inside cells and structs).</summary>
    public string Name { get; init; } = "";
    /// <summary>MATLAB class: "double", "uint8", …, "char", "cell", "struct".</summary>
    public string Class { get; init; } = "";
    /// <summary>Dimensions (at least two).</summary>
    public int[] Dims { get; init; } = Array.Empty<int>();
    /// <summary>Numeric values (column-major) of a numeric array.</summary>
    public double[] Numbers { get; init; } = Array.Empty<double>();
    /// <summary>The text of a char array (rows joined; a 1×N string is the usual case).</summary>
    public string Text { get; init; } = "";
    /// <summary>Cells of a cell array, column-major.</summary>
    public MatArray[] Cells { get; init; } = Array.Empty<MatArray>();
    /// <summary>Elements of a struct array, column-major, each a map field → value.</summary>
    public Dictionary<string, MatArray>[] Elements { get; init; } = Array.Empty<Dictionary<string, MatArray>>();

    /// <summary>Number of elements.</summary>
    public int Count => Dims.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// Reads MATLAB v5 MAT-files (the format of the Stanford Cars devkit): numeric, char, cell and struct arrays, compressed
/// (miCOMPRESSED) or not, little-endian. Sparse, object and v7.3 (HDF5) files are refused; any size or type that does not
/// fit is an error naming the file and the byte offset.
/// </summary>
internal static class MatFile
{
    const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16;

    /// <summary>Deepest nesting of cells and structs (the Stanford Cars devkit nests 2 deep).</summary>
    public const int MaxDepth = 32;

    /// <summary>Largest inflated size of one compressed element: 1 GiB (the devkit's largest is under 1 MB).</summary>
    public const long MaxInflatedBytes = 1L << 30;

    static readonly string[] Classes = { "", "cell", "struct", "object", "char", "sparse", "double", "single", "int8", "uint8",
        "int16", "uint16", "int32", "uint32", "int64", "uint64" };

    /// <summary>The file's variables by name.</summary>
    public static Dictionary<string, MatArray> Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new ArborException($"{path}: cannot read: {e.Message}", path); }
        if (bytes.Length < 128) throw new ArborException($"{path}: not a MAT-file: {bytes.Length} bytes, shorter than the 128-byte header", path);
        if (Encoding.ASCII.GetString(bytes, 0, 19).StartsWith("MATLAB 7.3", StringComparison.Ordinal))
            throw new ArborException($"{path}: MAT-file v7.3 (HDF5) is not supported; save with -v7 or earlier", path);
        if (!Encoding.ASCII.GetString(bytes, 0, 6).StartsWith("MATLAB", StringComparison.Ordinal) || bytes[126] != (byte)'I' || bytes[127] != (byte)'M')
            throw new ArborException($"{path}: not a little-endian MATLAB v5 MAT-file (header does not start with 'MATLAB' / end in 'IM')", path);
        var variables = new Dictionary<string, MatArray>(StringComparer.Ordinal);
        var reader = new Reader(bytes, 128, bytes.Length, path);
        while (reader.Position < bytes.Length)
        {
            var array = reader.TopLevel();
            if (array is not null) variables[array.Name] = array;
        }
        return variables;
    }

    sealed class Reader
    {
        readonly byte[] _bytes;
        readonly int _end;
        readonly string _file;
        readonly int _depth;
        public int Position;

        public Reader(byte[] bytes, int start, int end, string file, int depth = 0)
        {
            (_bytes, Position, _end, _file, _depth) = (bytes, start, end, file, depth);
            if (depth > MaxDepth) throw Error($"cells or structs nested deeper than {MaxDepth}");
        }

        ArborException Error(string problem) => new($"{_file}: {problem} (MAT byte {Position})", _file);

        (int Type, int Start, int Size) Tag()
        {
            if (_end - Position < 8) throw Error("truncated data element tag");
            uint first = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(Position));
            if ((first >> 16) != 0)                                           // small data element: 4-byte tag, 4 bytes of data
            {
                int smallType = (int)(first & 0xFFFF), smallSize = (int)(first >> 16);
                if (smallSize > 4) throw Error($"small data element of {smallSize} bytes");
                var tag = (smallType, Position + 4, smallSize);
                Position += 8;
                return tag;
            }
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(Position + 4));
            if (size > _end - Position - 8) throw Error($"data element of {size} bytes runs past the end");
            var result = ((int)first, Position + 8, (int)size);
            Position += 8 + (int)((size + 7) & ~7u);
            if (Position > _end) Position = _end;                              // last element's padding may be absent
            return result;
        }

        public MatArray? TopLevel()
        {
            var (type, start, size) = Tag();
            if (type == MiCompressed)
            {
                var inflated = Inflate(start, size);
                var inner = new Reader(inflated, 0, inflated.Length, _file);
                var (innerType, innerStart, innerSize) = inner.Tag();
                if (innerType != MiMatrix) throw Error($"compressed element holds type {innerType}, expected a matrix");
                return new Reader(inflated, innerStart, innerStart + innerSize, _file).Matrix();
            }
            if (type != MiMatrix) return null;                                 // other top-level elements carry no variables
            return new Reader(_bytes, start, start + size, _file).Matrix();
        }

        // A bounded inflate: a few KB of deflate data could otherwise claim gigabytes.
        byte[] Inflate(int start, int size)
        {
            try
            {
                using var z = new ZLibStream(new MemoryStream(_bytes, start, size), CompressionMode.Decompress);
                using var buffer = new MemoryStream();
                var chunk = new byte[1 << 16];
                int read;
                while ((read = z.Read(chunk)) > 0)
                {
                    if (buffer.Length + read > MaxInflatedBytes)
                        throw Error($"compressed element inflates to more than {MaxInflatedBytes:N0} bytes");
                    buffer.Write(chunk, 0, read);
                }
                return buffer.ToArray();
            }
            // ZLibException (an IOException) is what .NET throws for headers it refuses, e.g. a preset dictionary.
            catch (Exception e) when (e is InvalidDataException or IOException) { throw Error($"corrupt compressed element: {e.Message}"); }
        }

        MatArray SubMatrix()
        {
            var (type, start, size) = Tag();
            if (type != MiMatrix) throw Error($"expected a matrix element, found type {type}");
            if (size == 0) return new MatArray { Class = "double", Dims = new[] { 0, 0 } };
            return new Reader(_bytes, start, start + size, _file, _depth + 1).Matrix();
        }

        // Every cell and struct field is an element of at least 8 bytes: a count the remaining bytes cannot hold is refused
        // before anything is allocated for it.
        void CheckElements(long count, int perElement, string what)
        {
            if (count * Math.Max(1, perElement) > (_end - Position) / 8)
                throw Error($"{what} of {count:N0} elements does not fit in the {_end - Position:N0} bytes left");
        }

        // Reads the sub-elements of one miMATRIX whose body spans Position.._end.
        MatArray Matrix()
        {
            var (flagsType, flagsStart, flagsSize) = Tag();
            if (flagsType != MiUInt32 || flagsSize != 8) throw Error("matrix without array flags");
            int classId = _bytes[flagsStart];
            if (classId <= 0 || classId >= Classes.Length) throw Error($"unknown array class {classId}");
            var cls = Classes[classId];
            if (cls is "sparse" or "object") throw Error($"{cls} arrays are not supported");
            bool complex = (_bytes[flagsStart + 1] & 0x08) != 0;
            var dims = Ints(Tag());
            if (dims.Length < 2 || dims.Any(d => d < 0)) throw Error($"bad dimensions [{string.Join(", ", dims)}]");
            var (_, nameStart, nameSize) = Tag();
            var name = Encoding.ASCII.GetString(_bytes, nameStart, nameSize);
            long count = dims.Aggregate(1L, (a, b) => a * b);
            if (count > int.MaxValue) throw Error("array too large");
            switch (cls)
            {
                case "cell":
                    CheckElements(count, 1, "cell array");
                    return new MatArray { Name = name, Class = cls, Dims = dims, Cells = Enumerable.Range(0, (int)count).Select(_ => SubMatrix()).ToArray() };
                case "struct":
                {
                    var lengthTag = Tag();
                    var fieldLength = Ints(lengthTag);
                    if (fieldLength.Length != 1 || fieldLength[0] <= 0) throw Error("bad struct field-name length");
                    var (_, namesStart, namesSize) = Tag();
                    int fields = namesSize / fieldLength[0];
                    CheckElements(count, fields, "struct array");
                    var fieldNames = Enumerable.Range(0, fields).Select(f =>
                        Encoding.ASCII.GetString(_bytes, namesStart + f * fieldLength[0], fieldLength[0]).TrimEnd('\0')).ToArray();
                    var elements = new Dictionary<string, MatArray>[count];
                    for (int e = 0; e < count; e++)
                    {
                        elements[e] = new Dictionary<string, MatArray>(StringComparer.Ordinal);
                        foreach (var field in fieldNames) elements[e][field] = SubMatrix();
                    }
                    return new MatArray { Name = name, Class = cls, Dims = dims, Elements = elements };
                }
                case "char":
                {
                    var tag = Tag();
                    string text = tag.Type switch
                    {
                        MiUInt16 or MiInt16 => Encoding.Unicode.GetString(_bytes, tag.Start, tag.Size),
                        MiUtf8 or MiUInt8 or MiInt8 => Encoding.UTF8.GetString(_bytes, tag.Start, tag.Size),
                        _ => throw Error($"char data of type {tag.Type}"),
                    };
                    if (text.Length != count) throw Error($"char array [{string.Join(", ", dims)}] holds {text.Length} characters");
                    if (dims[0] > 1 && count > 0) text = ColumnMajorRows(text, dims[0], (int)(count / dims[0]));
                    return new MatArray { Name = name, Class = cls, Dims = dims, Text = text };
                }
                default:
                {
                    var numbers = Numbers(Tag());
                    if (numbers.Length != count) throw Error($"{cls} array [{string.Join(", ", dims)}] holds {numbers.Length} values");
                    if (complex) Tag();                                           // imaginary part: not needed by any reader
                    return new MatArray { Name = name, Class = cls, Dims = dims, Numbers = numbers };
                }
            }
        }

        static string ColumnMajorRows(string text, int rows, int columns)
        {
            var lines = new string[rows];
            for (int r = 0; r < rows; r++)
                lines[r] = new string(Enumerable.Range(0, columns).Select(c => text[c * rows + r]).ToArray());
            return string.Join('\n', lines);
        }

        int[] Ints((int Type, int Start, int Size) tag) =>
            Numbers(tag).Select(v => v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Error($"integer {v} out of range")).ToArray();

        double[] Numbers((int Type, int Start, int Size) tag)
        {
            var span = _bytes.AsSpan(tag.Start, tag.Size);
            int width = tag.Type switch
            {
                MiInt8 or MiUInt8 => 1, MiInt16 or MiUInt16 => 2, MiInt32 or MiUInt32 or MiSingle => 4,
                MiDouble or MiInt64 or MiUInt64 => 8, _ => throw Error($"numeric data of type {tag.Type}"),
            };
            if (tag.Size % width != 0) throw Error($"{tag.Size} bytes is not a whole number of {width}-byte values");
            var values = new double[tag.Size / width];
            for (int i = 0; i < values.Length; i++)
            {
                var v = span.Slice(i * width, width);
                values[i] = tag.Type switch
                {
                    MiInt8 => (sbyte)v[0], MiUInt8 => v[0],
                    MiInt16 => BinaryPrimitives.ReadInt16LittleEndian(v), MiUInt16 => BinaryPrimitives.ReadUInt16LittleEndian(v),
                    MiInt32 => BinaryPrimitives.ReadInt32LittleEndian(v), MiUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(v),
                    MiSingle => BinaryPrimitives.ReadSingleLittleEndian(v), MiDouble => BinaryPrimitives.ReadDoubleLittleEndian(v),
                    MiInt64 => BinaryPrimitives.ReadInt64LittleEndian(v), _ => BinaryPrimitives.ReadUInt64LittleEndian(v),
                };
            }
            return values;
        }
    }
}
