using System.Buffers.Binary;
using System.Text;

namespace Arbor.IO;

/// <summary>A NumPy array read from a pickle: dtype string as NumPy spells it ("|u1", "&lt;i8"), shape, raw bytes (C order).</summary>
internal sealed record PickledArray(string DType, long[] Shape, byte[] Data);

/// <summary>A Python dict from a pickle; keys are str or bytes (Python 2 str), looked up by their text.</summary>
internal sealed class PickledDict
{
    readonly List<(object Key, object? Value)> _items = new();

    internal void Set(object key, object? value) => _items.Add((key, value));

    /// <summary>The entries in pickle order, keys as stored (str or bytes).</summary>
    internal IReadOnlyList<(object Key, object? Value)> Items => _items;

    /// <summary>Keys as text (bytes decoded as Latin-1, as Python 2 str).</summary>
    public IEnumerable<string> Keys => _items.Select(i => PickleReader.Text(i.Key));

    /// <summary>The value of a key, or false when absent.</summary>
    public bool TryGet(string key, out object? value)
    {
        foreach (var (k, v) in _items)
            if (PickleReader.Text(k) == key) { value = v; return true; }
        value = null;
        return false;
    }
}

/// <summary>
/// Reads the pickles datasets ship (CIFAR's python version: a dict of lists, strings and NumPy arrays), protocols 2–5,
/// written by Python 2 or 3. Only data is built: a NumPy array (via <c>numpy…_reconstruct</c> or <c>_frombuffer</c>),
/// <c>_codecs.encode</c> bytes and plain containers; any other global is refused, so no code ever runs. Malformed input
/// (truncated, unknown opcode, bad memo index) is an error naming the file and byte offset.
/// </summary>
internal sealed class PickleReader
{
    readonly byte[] _bytes;
    readonly string _file;
    int _pos;
    readonly List<object?> _stack = new();
    readonly Stack<int> _marks = new();
    readonly Dictionary<long, object?> _memo = new();

    sealed record Global(string Module, string Name);
    sealed class ArrayBuilder { public PickledArray? Array; }
    sealed class DType { public string Code = ""; public string Order = "|"; }

    PickleReader(byte[] bytes, string file) { _bytes = bytes; _file = file; }

    /// <summary>Unpickles a whole file.</summary>
    public static object? Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new ArborException($"{path}: cannot read: {e.Message}", path); }
        return Load(bytes, path);
    }

    /// <summary>Unpickles bytes; <paramref name="file"/> names them in errors.</summary>
    public static object? Load(byte[] bytes, string file) => new PickleReader(bytes, file).Run();

    /// <summary>Text of a str or bytes (Latin-1) value; anything else is an <see cref="ArborException"/> naming <paramref name="file"/>.</summary>
    public static string Text(object? value, string? file = null) => value switch
    {
        string s => s,
        byte[] b => Encoding.Latin1.GetString(b),
        _ => throw new ArborException($"{(file is null ? "" : file + ": ")}expected a string, found {Describe(value)}", file),
    };

    /// <summary>Deepest nesting of lists, tuples and dicts accepted (CIFAR's pickles nest 2 deep).</summary>
    public const int MaxDepth = 100;

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>What a value is, for error messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        string => "a str",
        byte[] => "bytes",
        long => "an int",
        double => "a float",
        bool => "a bool",
        List<object?> l => $"a list of {l.Count}",
        object?[] t => $"a tuple of {t.Length}",
        PickledDict => "a dict",
        PickledArray a => $"an array {a.DType} [{string.Join(", ", a.Shape)}]",
        _ => value.GetType().Name,
    };

    ArborException Error(string problem) => new($"{_file}: {problem} (pickle byte {_pos})", _file);

    ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > _bytes.Length - _pos) throw Error($"truncated: needs {n} more bytes, {_bytes.Length - _pos} left");
        var span = _bytes.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return span;
    }

    byte U8() => Take(1)[0];
    uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    long U64()
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        return v <= long.MaxValue ? (long)v : throw Error($"length {v} is out of range");
    }

    string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Error("a str is not valid UTF-8"); }
    }

    string Str(object? value) => value is string or byte[] ? Text(value) : throw Error($"expected a string, found {Describe(value)}");

    string Line()
    {
        int end = Array.IndexOf(_bytes, (byte)'\n', _pos);
        if (end < 0) throw Error("truncated: a GLOBAL line has no end");
        var text = Encoding.ASCII.GetString(_bytes, _pos, end - _pos);
        _pos = end + 1;
        return text;
    }

    object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count == _marks.Peek())) throw Error("stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Error("no MARK before a sequence opcode");
        int at = _marks.Pop();
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    object? Top() => _stack.Count > 0 ? _stack[^1] : throw Error("stack underflow");

    object? Run()
    {
        while (true)
        {
            if (_pos >= _bytes.Length) throw Error("truncated: no STOP opcode");
            byte op = U8();
            switch (op)
            {
                case 0x80: if (U8() > 5) throw Error("pickle protocol above 5"); break;       // PROTO
                case 0x95: Take(8); break;                                                   // FRAME (length only)
                case (byte)'}': _stack.Add(new PickledDict()); break;
                case (byte)']': _stack.Add(new List<object?>()); break;
                case (byte)')': _stack.Add(Array.Empty<object?>()); break;
                case (byte)'(': _marks.Push(_stack.Count); break;
                case (byte)'X': _stack.Add(Utf8(Take(U32()))); break;
                case 0x8c: _stack.Add(Utf8(Take(U8()))); break;
                case 0x8d: _stack.Add(Utf8(Take(U64()))); break;
                case (byte)'T': _stack.Add(Take(U32()).ToArray()); break;                    // Python 2 str: bytes
                case (byte)'U': _stack.Add(Take(U8()).ToArray()); break;
                case (byte)'B': _stack.Add(Take(U32()).ToArray()); break;
                case (byte)'C': _stack.Add(Take(U8()).ToArray()); break;
                case 0x8e or 0x96: _stack.Add(Take(U64()).ToArray()); break;                 // BINBYTES8, BYTEARRAY8
                case (byte)'J': _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': _stack.Add((long)U8()); break;
                case (byte)'M': _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a: _stack.Add(Long(Take(U8()))); break;
                case (byte)'N': _stack.Add(null); break;
                case 0x88: _stack.Add(true); break;
                case 0x89: _stack.Add(false); break;
                case (byte)'G': _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'q': _memo[U8()] = Top(); break;
                case (byte)'r': _memo[U32()] = Top(); break;
                case 0x94: _memo[_memo.Count] = Top(); break;
                case (byte)'h': _stack.Add(Memo(U8())); break;
                case (byte)'j': _stack.Add(Memo(U32())); break;
                case (byte)'t': _stack.Add(PopMark().ToArray()); break;
                case 0x85: _stack.Add(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b, c }); break; }
                case (byte)'l': _stack.Add(PopMark()); break;
                case (byte)'a': { var v = Pop(); AsList(Top()).Add(v); break; }
                case (byte)'e': { var items = PopMark(); AsList(Top()).AddRange(items); break; }
                case (byte)'d': { var items = PopMark(); var d = new PickledDict(); SetItems(d, items); _stack.Add(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Top()).Set(k ?? throw Error("None as a dict key"), v); break; }
                case (byte)'u': { var items = PopMark(); SetItems(AsDict(Top()), items); break; }
                case (byte)'c': { var module = Line(); _stack.Add(new Global(module, Line())); break; }
                case 0x93: { var name = Str(Pop()); _stack.Add(new Global(Str(Pop()), name)); break; }
                case (byte)'R': { var args = Pop() as object?[] ?? throw Error("REDUCE arguments are not a tuple"); _stack.Add(Reduce(Pop(), args)); break; }
                case 0x81: { var args = Pop() as object?[] ?? throw Error("NEWOBJ arguments are not a tuple"); _stack.Add(Reduce(Pop(), args)); break; }
                case (byte)'b': { var state = Pop(); Build(Top(), state); break; }
                case (byte)'0': Pop(); break;
                case (byte)'1': PopMark(); break;
                case (byte)'2': _stack.Add(Top()); break;
                case (byte)'.':
                    if (_stack.Count != 1) throw Error($"STOP with {_stack.Count} values on the stack");
                    return Finish(_stack[0], new Dictionary<object, object?>(ReferenceEqualityComparer.Instance), 0);
                default: throw Error($"unsupported pickle opcode 0x{op:x2}");
            }
        }
    }

    object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Error($"memo entry {key} was never stored");

    List<object?> AsList(object? v) => v as List<object?> ?? throw Error($"APPEND to {Describe(v)}");
    PickledDict AsDict(object? v) => v as PickledDict ?? throw Error($"SETITEM on {Describe(v)}");

    void SetItems(PickledDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Error("odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2) d.Set(items[i] ?? throw Error("None as a dict key"), items[i + 1]);
    }

    long Long(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 8) throw Error($"integer of {bytes.Length} bytes, wider than 64 bits");
        long v = 0;
        for (int i = bytes.Length - 1; i >= 0; i--) v = (v << 8) | bytes[i];
        if (bytes.Length is > 0 and < 8 && (bytes[^1] & 0x80) != 0) v -= 1L << (8 * bytes.Length);
        return v;
    }

    static bool IsNumpy(Global g, string module, string name) =>
        g.Name == name && (g.Module == module || g.Module == module.Replace("numpy.core", "numpy._core"));

    object? Reduce(object? callable, object?[] args)
    {
        if (callable is not Global g) throw Error($"REDUCE on {Describe(callable)}");
        if (IsNumpy(g, "numpy.core.multiarray", "_reconstruct")) return new ArrayBuilder();
        if (g is { Module: "numpy", Name: "dtype" } && args.Length >= 1 && args[0] is string or byte[])
            return new DType { Code = Str(args[0]) };
        if (g is { Module: "_codecs", Name: "encode" } && args is [string s, ..]) return Encoding.Latin1.GetBytes(s);
        if (IsNumpy(g, "numpy.core.numeric", "_frombuffer") && args is [byte[] data, DType dtype, object?[] shape, ..])
            return MakeArray(dtype, shape, data);
        throw Error($"refusing to call {g.Module}.{g.Name}: only NumPy arrays and plain data are read");
    }

    void Build(object? target, object? state)
    {
        switch (target)
        {
            case DType d when state is object?[] { Length: >= 2 } t:
                d.Order = Str(t[1]);
                break;
            case ArrayBuilder a when state is object?[] { Length: 5 } t && t[2] is DType dtype && t[1] is object?[] shape:
                if (t[3] is true) throw Error("Fortran-ordered arrays are not supported");
                if (t[4] is not byte[] data) throw Error($"array data is {Describe(t[4])}, expected raw bytes (object arrays are not supported)");
                a.Array = MakeArray(dtype, shape, data);
                break;
            default:
                throw Error($"BUILD on {Describe(target)} with {Describe(state)}");
        }
    }

    PickledArray MakeArray(DType dtype, object?[] shape, byte[] data)
    {
        var dims = shape.Select(d => d is long l && l >= 0 ? l : throw Error($"bad array dimension {Describe(d)}")).ToArray();
        int itemSize = dtype.Code.Length > 1 && int.TryParse(dtype.Code[1..], out int size) && size is >= 1 and <= 16
            ? size : throw Error($"unsupported dtype '{dtype.Code}'");
        // The product of claimed dimensions may overflow: stop as soon as it passes the bytes actually held.
        long expected = itemSize;
        foreach (var d in dims)
            expected = d == 0 ? 0 : expected > data.Length / d ? data.Length + 1L : expected * d;
        if (data.Length != expected)
            throw Error($"array [{string.Join(", ", dims)}] of {dtype.Code} " +
                        (expected > data.Length ? "needs more bytes than" : $"needs {expected} bytes, not") + $" the {data.Length} the pickle holds");
        return new PickledArray(dtype.Order + dtype.Code, dims, data);
    }

    // Replaces array builders by their arrays in the whole value. Each container is finished once (memo references may
    // share one container many times, or make it contain itself), so the work is linear in the pickle; nesting is bounded
    // so a hostile pickle cannot exhaust the stack.
    object? Finish(object? value, Dictionary<object, object?> done, int depth)
    {
        if (value is null or string or byte[] or long or double or bool or PickledArray) return value;
        if (done.TryGetValue(value, out var finished)) return finished;
        if (depth > MaxDepth) throw Error($"values nested deeper than {MaxDepth}");
        switch (value)
        {
            case ArrayBuilder { Array: { } a }: return a;
            case ArrayBuilder: throw Error("array never built");
            case List<object?> l:
            {
                var result = new List<object?>(l.Count);
                done[value] = result;
                foreach (var item in l) result.Add(Finish(item, done, depth + 1));
                return result;
            }
            case object?[] t:
            {
                var result = new object?[t.Length];
                done[value] = result;
                for (int i = 0; i < t.Length; i++) result[i] = Finish(t[i], done, depth + 1);
                return result;
            }
            case PickledDict d:
            {
                var result = new PickledDict();
                done[value] = result;
                foreach (var (key, v) in d.Items) result.Set(key, Finish(v, done, depth + 1));
                return result;
            }
            default: throw Error($"{Describe(value)} is not data");   // a bare global or dtype left as a value
        }
    }
}
