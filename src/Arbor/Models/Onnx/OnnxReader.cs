namespace Arbor.Models.Onnx;

/// <summary>
/// Reads an ONNX model file (the protobuf messages of <c>onnx.proto</c> that describe an inference graph: model, graph,
/// node, attribute, tensor, value info). Fields it has no use for (docs, metadata, training info, functions) are skipped.
/// A malformed or truncated file, or one that keeps its weights in external files, is an <see cref="ArborException"/>
/// naming the file and the problem.
/// </summary>
public static class OnnxReader
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    public static OnnxModelProto Read(string path)
    {
        if (!File.Exists(path)) throw new ArborException("ONNX model not found", path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a model from its bytes; <paramref name="source"/> names it in errors.</summary>
    public static OnnxModelProto Read(byte[] bytes, string source)
    {
        try
        {
            var model = ReadModel(new ProtoReader(bytes, 0, bytes.Length));
            model.Source = source;
            if (model.Graph.Nodes.Count == 0) throw new OnnxFormatException("no graph nodes (not an ONNX model?)");
            var external = model.Graph.Initializers.FirstOrDefault(t => t.External);
            if (external is not null) throw new OnnxFormatException($"initializer '{external.Name}' is stored in an external file, which Arbor does not read");
            return model;
        }
        catch (OnnxFormatException e)
        {
            throw new ArborException($"not a valid ONNX model: {e.Message}", source, e);
        }
    }

    static OnnxModelProto ReadModel(ProtoReader r)
    {
        var model = new OnnxModelProto();
        bool sawGraph = false;
        while (r.NextField(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 0: model.IrVersion = r.ReadInt64(); break;
                case 2 when wire == 2: model.ProducerName = r.ReadString(); break;
                case 7 when wire == 2: model.Graph = ReadGraph(r.ReadMessage()); sawGraph = true; break;
                case 8 when wire == 2:
                    var (domain, version) = ReadOpset(r.ReadMessage());
                    model.OpsetImports[domain] = version;
                    break;
                default: r.Skip(wire); break;
            }
        }
        if (!sawGraph) throw new OnnxFormatException("no graph");
        return model;
    }

    static (string, long) ReadOpset(ProtoReader r)
    {
        string domain = "";
        long version = 0;
        while (r.NextField(out int field, out int wire))
        {
            if (field == 1 && wire == 2) domain = r.ReadString();
            else if (field == 2 && wire == 0) version = r.ReadInt64();
            else r.Skip(wire);
        }
        return (domain, version);
    }

    static OnnxGraphProto ReadGraph(ProtoReader r)
    {
        var g = new OnnxGraphProto();
        while (r.NextField(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2: g.Nodes.Add(ReadNode(r.ReadMessage())); break;
                case 2 when wire == 2: g.Name = r.ReadString(); break;
                case 5 when wire == 2: g.Initializers.Add(ReadTensor(r.ReadMessage())); break;
                case 11 when wire == 2: g.Inputs.Add(ReadValueInfo(r.ReadMessage())); break;
                case 12 when wire == 2: g.Outputs.Add(ReadValueInfo(r.ReadMessage())); break;
                case 15 when wire == 2: throw new OnnxFormatException("sparse initializers are not supported");
                default: r.Skip(wire); break;
            }
        }
        return g;
    }

    static OnnxNode ReadNode(ProtoReader r)
    {
        var n = new OnnxNode();
        while (r.NextField(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2: n.Inputs.Add(r.ReadString()); break;
                case 2 when wire == 2: n.Outputs.Add(r.ReadString()); break;
                case 3 when wire == 2: n.Name = r.ReadString(); break;
                case 4 when wire == 2: n.OpType = r.ReadString(); break;
                case 5 when wire == 2:
                    var a = ReadAttribute(r.ReadMessage());
                    n.Attributes[a.Name] = a;
                    break;
                case 7 when wire == 2: n.Domain = r.ReadString(); break;
                default: r.Skip(wire); break;
            }
        }
        if (n.OpType.Length == 0) throw new OnnxFormatException($"node '{n.Name}' has no op_type");
        return n;
    }

    static OnnxAttribute ReadAttribute(ProtoReader r)
    {
        var a = new OnnxAttribute();
        while (r.NextField(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2: a.Name = r.ReadString(); break;
                case 20 when wire == 0: a.Type = (int)r.ReadInt64(); break;
                case 2 when wire == 5: a.F = r.ReadFixed32Float(); break;
                case 3 when wire == 0: a.I = r.ReadInt64(); break;
                case 4 when wire == 2: a.S = r.ReadString(); break;
                case 5 when wire == 2: a.T = ReadTensor(r.ReadMessage()); break;
                case 7: r.ReadFloats(wire, a.Floats); break;
                case 8: r.ReadInt64s(wire, a.Ints); break;
                case 9 when wire == 2: a.Strings.Add(r.ReadString()); break;
                default: r.Skip(wire); break;
            }
        }
        return a;
    }

    static OnnxTensorProto ReadTensor(ProtoReader r)
    {
        var t = new OnnxTensorProto();
        var dims = new List<long>();
        while (r.NextField(out int field, out int wire))
        {
            switch (field)
            {
                case 1: r.ReadInt64s(wire, dims); break;
                case 2 when wire == 0: t.DataType = (OnnxDataType)(int)r.ReadInt64(); break;
                case 4: r.ReadFloats(wire, t.FloatData); break;
                case 5: r.ReadInt64s(wire, t.Int64Data); break;        // int32_data (also narrower types)
                case 7: r.ReadInt64s(wire, t.Int64Data); break;        // int64_data
                case 8 when wire == 2: t.Name = r.ReadString(); break;
                case 9 when wire == 2:
                    var (start, length) = r.ReadBytesRange();
                    t.Raw = new ArraySegment<byte>(r.Data, start, length);
                    break;
                case 10: r.ReadDoubles(wire, t.DoubleData); break;
                case 13 when wire == 2: t.External = true; r.Skip(wire); break;
                case 14 when wire == 0: if (r.ReadInt64() == 1) t.External = true; break;
                default: r.Skip(wire); break;
            }
        }
        if (dims.Any(d => d < 0)) throw new OnnxFormatException($"tensor '{t.Name}' has a negative dimension");
        t.Dims = dims.ToArray();
        return t;
    }

    static OnnxValueInfo ReadValueInfo(ProtoReader r)
    {
        string name = "";
        var elem = OnnxDataType.Undefined;
        var shape = new List<long?>();
        while (r.NextField(out int field, out int wire))
        {
            if (field == 1 && wire == 2) name = r.ReadString();
            else if (field == 2 && wire == 2)
            {
                var type = r.ReadMessage();
                while (type.NextField(out int tf, out int tw))
                {
                    if (tf != 1 || tw != 2) { type.Skip(tw); continue; }   // tensor_type only
                    var tensorType = type.ReadMessage();
                    while (tensorType.NextField(out int f, out int w))
                    {
                        if (f == 1 && w == 0) elem = (OnnxDataType)(int)tensorType.ReadInt64();
                        else if (f == 2 && w == 2)
                        {
                            var shapeMsg = tensorType.ReadMessage();
                            while (shapeMsg.NextField(out int sf, out int sw))
                            {
                                if (sf != 1 || sw != 2) { shapeMsg.Skip(sw); continue; }
                                var dim = shapeMsg.ReadMessage();
                                long? value = null;
                                while (dim.NextField(out int df, out int dw))
                                {
                                    if (df == 1 && dw == 0) value = dim.ReadInt64();
                                    else dim.Skip(dw);
                                }
                                shape.Add(value);
                            }
                        }
                        else tensorType.Skip(w);
                    }
                }
            }
            else r.Skip(wire);
        }
        return new OnnxValueInfo(name, elem, shape.ToArray());
    }
}
