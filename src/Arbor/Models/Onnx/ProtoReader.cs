using System.Buffers.Binary;

namespace Arbor.Models.Onnx;

/// <summary>
/// A forward-only reader of the protobuf wire format over a byte range: just what the ONNX subset needs (varints,
/// fixed 32/64-bit values, length-delimited fields, packed repeated scalars). Every length and offset is checked against
/// the range, so a truncated or corrupt file fails with <see cref="OnnxFormatException"/> instead of reading past it.
/// </summary>
internal struct ProtoReader
{
    readonly byte[] _data;

    /// <summary>The whole file (raw tensor data is kept as ranges of it).</summary>
    public readonly byte[] Data => _data;
    readonly int _end;
    int _pos;

    public ProtoReader(byte[] data, int start, int length)
    {
        if (start < 0 || length < 0 || start + (long)length > data.Length) throw new OnnxFormatException("field range past the end of the file");
        _data = data;
        _pos = start;
        _end = start + length;
    }

    public readonly bool AtEnd => _pos >= _end;

    /// <summary>The next field's number and wire type, or false at the end of the range.</summary>
    public bool NextField(out int field, out int wireType)
    {
        if (_pos >= _end) { field = 0; wireType = 0; return false; }
        ulong key = ReadVarint();
        field = (int)(key >> 3);
        wireType = (int)(key & 7);
        if (field <= 0) throw new OnnxFormatException($"invalid field number {field} at byte {_pos}");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _end) throw new OnnxFormatException("truncated varint");
            byte b = _data[_pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new OnnxFormatException("varint longer than 10 bytes");
    }

    public long ReadInt64() => (long)ReadVarint();

    public float ReadFixed32Float()
    {
        Need(4);
        var v = BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(_pos, 4));
        _pos += 4;
        return v;
    }

    public double ReadFixed64Double()
    {
        Need(8);
        var v = BinaryPrimitives.ReadDoubleLittleEndian(_data.AsSpan(_pos, 8));
        _pos += 8;
        return v;
    }

    /// <summary>A length-delimited field: its (start, length) in the file.</summary>
    public (int Start, int Length) ReadBytesRange()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_end - _pos)) throw new OnnxFormatException($"length-delimited field of {len} bytes runs past its message (byte {_pos})");
        var range = (_pos, (int)len);
        _pos += (int)len;
        return range;
    }

    public ProtoReader ReadMessage()
    {
        var (start, length) = ReadBytesRange();
        return new ProtoReader(_data, start, length);
    }

    public string ReadString()
    {
        var (start, length) = ReadBytesRange();
        return System.Text.Encoding.UTF8.GetString(_data, start, length);
    }

    /// <summary>Appends a repeated int64 field, packed (wire type 2) or not (wire type 0).</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == 0) { into.Add(ReadInt64()); return; }
        if (wireType != 2) throw new OnnxFormatException($"repeated integer field with wire type {wireType}");
        var inner = ReadMessage();
        while (!inner.AtEnd) into.Add(inner.ReadInt64());
    }

    /// <summary>Appends a repeated float field, packed (wire type 2) or not (wire type 5).</summary>
    public void ReadFloats(int wireType, List<float> into)
    {
        if (wireType == 5) { into.Add(ReadFixed32Float()); return; }
        if (wireType != 2) throw new OnnxFormatException($"repeated float field with wire type {wireType}");
        var inner = ReadMessage();
        while (!inner.AtEnd) into.Add(inner.ReadFixed32Float());
    }

    /// <summary>Appends a repeated double field, packed or not.</summary>
    public void ReadDoubles(int wireType, List<double> into)
    {
        if (wireType == 1) { into.Add(ReadFixed64Double()); return; }
        if (wireType != 2) throw new OnnxFormatException($"repeated double field with wire type {wireType}");
        var inner = ReadMessage();
        while (!inner.AtEnd) into.Add(inner.ReadFixed64Double());
    }

    /// <summary>Skips a field this reader does not use.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Need(8); _pos += 8; break;
            case 2: ReadBytesRange(); break;
            case 5: Need(4); _pos += 4; break;
            default: throw new OnnxFormatException($"unsupported wire type {wireType} at byte {_pos}");
        }
    }

    readonly void Need(int n)
    {
        if (_end - _pos < n) throw new OnnxFormatException($"truncated field at byte {_pos}");
    }
}

/// <summary>A malformed ONNX file (the reader wraps it into an <see cref="ArborException"/> naming the file).</summary>
public sealed class OnnxFormatException(string message) : Exception(message);
