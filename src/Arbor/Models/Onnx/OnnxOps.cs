using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Arbor.Models.Onnx;

/// <summary>
/// The ONNX operators Arbor computes, each as TorchSharp calls that are differentiable where the operator is (so imported
/// weights train). Semantics follow the ONNX operator specs, including the opset changes that matter for real exports
/// (attributes that became inputs in opset 13/18, Softmax's 2-D coercion before opset 13).
/// </summary>
public static class OnnxOps
{
    delegate Tensor[] Op(OnnxOpContext c);

    static Tensor[] One(Tensor t) => [t];

    static readonly Dictionary<string, Op> Table = new(StringComparer.Ordinal)
    {
        ["Conv"] = c => One(Conv(c)),
        ["BatchNormalization"] = c => One(BatchNorm(c)),
        ["Relu"] = c => One(F.relu(c.In(0))),
        ["Sigmoid"] = c => One(c.In(0).sigmoid()),
        ["Tanh"] = c => One(c.In(0).tanh()),
        ["Sqrt"] = c => One(c.In(0).sqrt()),
        ["Erf"] = c => One(c.In(0).erf()),
        ["Exp"] = c => One(c.In(0).exp()),
        ["Neg"] = c => One(c.In(0).neg()),
        ["Gelu"] = c => One(F.gelu(c.In(0), c.String("approximate", "none") == "tanh" ? GELU.Approximate.tanh : GELU.Approximate.none)),
        ["Identity"] = c => One(c.In(0).alias()),
        ["Dropout"] = c => c.Node.Outputs.Count > 1 ? [c.In(0).alias(), ones_like(c.In(0), ScalarType.Bool)] : One(c.In(0).alias()),
        ["Add"] = c => One(c.In(0) + c.In(1)),
        ["Sub"] = c => One(c.In(0) - c.In(1)),
        ["Mul"] = c => One(c.In(0) * c.In(1)),
        ["Div"] = c => One(Div(c.In(0), c.In(1))),
        ["Pow"] = c => One(c.In(0).pow(c.In(1)).to_type(c.In(0).dtype)),
        ["MatMul"] = c => One(c.In(0).matmul(c.In(1))),
        ["Gemm"] = c => One(Gemm(c)),
        ["MaxPool"] = c => One(MaxPool(c)),
        ["AveragePool"] = c => One(AveragePool(c)),
        ["GlobalAveragePool"] = c => One(c.In(0).mean(Enumerable.Range(2, (int)c.In(0).dim() - 2).Select(d => (long)d).ToArray(), keepdim: true)),
        ["Reshape"] = c => One(Reshape(c)),
        ["Flatten"] = c => One(Flatten(c)),
        ["Transpose"] = c => One(c.In(0).permute(c.Ints("perm") ?? Enumerable.Range(0, (int)c.In(0).dim()).Reverse().Select(d => (long)d).ToArray())),
        ["Gather"] = c => One(Gather(c)),
        ["Concat"] = c => One(cat(c.Inputs.Select((t, i) => t ?? c.In(i)).ToArray(), c.Int("axis", 0))),
        ["Split"] = Split,
        ["Softmax"] = c => One(Softmax(c)),
        ["LayerNormalization"] = c => One(LayerNorm(c)),
        ["ReduceMean"] = c => One(ReduceMean(c)),
        ["Unsqueeze"] = c => One(Unsqueeze(c)),
        ["Squeeze"] = c => One(Squeeze(c)),
        ["Shape"] = c => One(Shape(c)),
        ["Cast"] = c => One(c.In(0).to_type(OnnxTensors.ToScalarType((OnnxDataType)(int)c.Int("to", 1)))),
        ["Slice"] = c => One(Slice(c)),
        ["Where"] = c => One(where(c.In(0).to_type(ScalarType.Bool), c.In(1), c.In(2))),
        ["Expand"] = c => One(Expand(c)),
    };

    /// <summary>The operator types Arbor computes (default domain).</summary>
    public static IReadOnlyCollection<string> Supported => Table.Keys.Append("Constant").Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when <paramref name="node"/> can be computed (Constant nodes are folded at load, see <see cref="ConstantValue"/>).</summary>
    public static bool IsSupported(OnnxNode node) =>
        node.Domain is "" or "ai.onnx" && (node.OpType == "Constant" || Table.ContainsKey(node.OpType));

    /// <summary>Computes one node on its inputs.</summary>
    public static Tensor[] Run(OnnxOpContext context)
    {
        if (!Table.TryGetValue(context.Node.OpType, out var op))
            throw new OnnxFormatException($"{context.Node}: operator not supported");
        return op(context);
    }

    /// <summary>The value of a Constant node (its <c>value</c>, <c>value_float(s)</c> or <c>value_int(s)</c> attribute).</summary>
    public static Tensor ConstantValue(OnnxNode node)
    {
        var a = node.Attributes;
        if (a.TryGetValue("value", out var v) && v.T is not null) return OnnxTensors.ToTensor(v.T);
        if (a.TryGetValue("value_float", out v)) return tensor(v.F);
        if (a.TryGetValue("value_int", out v)) return tensor(v.I);
        if (a.TryGetValue("value_floats", out v)) return tensor(v.Floats.ToArray());
        if (a.TryGetValue("value_ints", out v)) return tensor(v.Ints.ToArray());
        throw new OnnxFormatException($"{node}: no value attribute Arbor can read (value, value_float(s), value_int(s))");
    }

    static bool IsInteger(Tensor t) => t.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    // Integer Div truncates toward zero, as C (and ONNX Runtime) do.
    static Tensor Div(Tensor a, Tensor b) => IsInteger(a) && IsInteger(b) ? a.div(b, RoundingMode.trunc) : a / b;

    static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;

    /// <summary>ONNX pads [x1_begin, x2_begin, …, x1_end, x2_end, …], with auto_pad resolved for the input size.</summary>
    static long[] Pads(OnnxOpContext c, Tensor x, long[] kernel, long[] strides, long[] dilations)
    {
        int n = kernel.Length;
        var autoPad = c.String("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var pads = new long[2 * n];
            for (int d = 0; d < n; d++)
            {
                long input = x.shape[2 + d], output = (input + strides[d] - 1) / strides[d];
                long total = Math.Max(0, (output - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - input);
                long small = total / 2, large = total - small;
                (pads[d], pads[d + n]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small);
            }
            return pads;
        }
        if (autoPad == "VALID") return new long[2 * n];
        return c.Ints("pads") ?? new long[2 * n];
    }

    /// <summary>Pads explicitly (torch pads only symmetrically); returns the padded input, or the input when no padding.</summary>
    static Tensor PadExplicit(Tensor x, long[] pads, double value)
    {
        int n = pads.Length / 2;
        if (pads.All(p => p == 0)) return x;
        var torchPads = new long[2 * n];
        for (int d = 0; d < n; d++)
        {
            // torch lists the last dimension first: (last_begin, last_end, previous_begin, previous_end, …)
            torchPads[2 * d] = pads[n - 1 - d];
            torchPads[2 * d + 1] = pads[2 * n - 1 - d];
        }
        return F.pad(x, torchPads, PaddingModes.Constant, value);
    }

    static long[] Repeat(long value, int n) => Enumerable.Repeat(value, n).ToArray();

    static Tensor Conv(OnnxOpContext c)
    {
        Tensor x = c.In(0), w = c.In(1);
        var bias = c.Optional(2);
        int n = (int)w.dim() - 2;
        var kernel = w.shape[2..];
        var strides = c.Ints("strides") ?? Repeat(1, n);
        var dilations = c.Ints("dilations") ?? Repeat(1, n);
        long group = c.Int("group", 1);
        var pads = Pads(c, x, kernel, strides, dilations);
        bool symmetric = Enumerable.Range(0, n).All(d => pads[d] == pads[d + n]);
        using var scope = NewDisposeScope();
        var input = symmetric ? x : PadExplicit(x, pads, 0);
        var padding = symmetric ? pads[..n] : Repeat(0, n);
        var y = n switch
        {
            1 => F.conv1d(input, w, bias, strides[0], padding[0], dilations[0], group),
            2 => F.conv2d(input, w, bias, strides, padding, dilations, group),
            3 => F.conv3d(input, w, bias, strides, padding, dilations, group),
            _ => throw new OnnxFormatException($"{c.Node}: {n}-D convolution is not supported"),
        };
        return y.MoveToOuterDisposeScope();
    }

    static Tensor BatchNorm(OnnxOpContext c)
    {
        if (c.Node.Outputs.Count(o => o.Length > 0) > 1)
            throw new OnnxFormatException($"{c.Node}: the training-mode form (running statistics as outputs) is not supported");
        // ONNX momentum weighs the old running value; torch's weighs the batch. In training mode the running statistics
        // (the module's registered buffers, passed as they are) are updated in place.
        return F.batch_norm(c.In(0), c.In(3), c.In(4), c.In(1), c.In(2), c.Training,
            c.BatchNormMomentum ?? 1 - c.Float("momentum", 0.9f), c.Float("epsilon", 1e-5f));
    }

    static Tensor Gemm(OnnxOpContext c)
    {
        Tensor a = c.In(0), b = c.In(1);
        using var scope = NewDisposeScope();
        if (c.Int("transA", 0) != 0) a = a.t();
        if (c.Int("transB", 0) != 0) b = b.t();
        var y = a.matmul(b);
        float alpha = c.Float("alpha", 1f), beta = c.Float("beta", 1f);
        if (alpha != 1f) y = y * alpha;
        if (c.Optional(2) is { } bias) y = beta == 1f ? y + bias : y + bias * beta;
        return y.MoveToOuterDisposeScope();
    }

    static (long[] Kernel, long[] Strides, long[] Dilations, long[] Pads) Pooling(OnnxOpContext c, Tensor x)
    {
        var kernel = c.Ints("kernel_shape") ?? throw new OnnxFormatException($"{c.Node}: kernel_shape missing");
        int n = kernel.Length;
        var strides = c.Ints("strides") ?? Repeat(1, n);
        var dilations = c.Ints("dilations") ?? Repeat(1, n);
        return (kernel, strides, dilations, Pads(c, x, kernel, strides, dilations));
    }

    static Tensor MaxPool(OnnxOpContext c)
    {
        var x = c.In(0);
        if (c.Node.Outputs.Count(o => o.Length > 0) > 1) throw new OnnxFormatException($"{c.Node}: the Indices output is not supported");
        var (kernel, strides, dilations, pads) = Pooling(c, x);
        bool ceil = c.Int("ceil_mode", 0) != 0;
        using var scope = NewDisposeScope();
        var input = PadExplicit(x, pads, double.NegativeInfinity);
        var zero = Repeat(0, kernel.Length);
        var y = kernel.Length switch
        {
            1 => F.max_pool1d(input, kernel[0], strides[0], 0, dilations[0], ceil),
            2 => F.max_pool2d(input, kernel, strides, zero, dilations, ceil),
            3 => F.max_pool3d(input, kernel, strides, zero, dilations, ceil),
            _ => throw new OnnxFormatException($"{c.Node}: {kernel.Length}-D pooling is not supported"),
        };
        return y.MoveToOuterDisposeScope();
    }

    static Tensor AveragePool(OnnxOpContext c)
    {
        var x = c.In(0);
        var (kernel, strides, dilations, pads) = Pooling(c, x);
        if (dilations.Any(d => d != 1)) throw new OnnxFormatException($"{c.Node}: dilated average pooling is not supported");
        bool ceil = c.Int("ceil_mode", 0) != 0, countPad = c.Int("count_include_pad", 0) != 0;
        using var scope = NewDisposeScope();
        Tensor Pool(Tensor t) => kernel.Length switch
        {
            1 => F.avg_pool1d(t, kernel[0], strides[0], 0, ceil, count_include_pad: true),
            2 => F.avg_pool2d(t, kernel, strides, Repeat(0, 2), ceil, count_include_pad: true),
            3 => F.avg_pool3d(t, kernel, strides, Repeat(0, 3), ceil, count_include_pad: true),
            _ => throw new OnnxFormatException($"{c.Node}: {kernel.Length}-D pooling is not supported"),
        };
        Tensor y;
        if (pads.All(p => p == 0) || countPad) y = Pool(PadExplicit(x, pads, 0));
        else
        {
            // Mean over the in-bounds part of each window: pool the zero-padded input and divide by the in-bounds fraction.
            using var mask = ones(new long[] { 1, 1 }.Concat(x.shape[2..]).ToArray(), x.dtype, x.device);
            y = Pool(PadExplicit(x, pads, 0)) / Pool(PadExplicit(mask, pads, 0));
        }
        return y.MoveToOuterDisposeScope();
    }

    static Tensor Reshape(OnnxOpContext c)
    {
        var x = c.In(0);
        var shape = c.IntValues(1);
        bool allowZero = c.Int("allowzero", 0) != 0;
        if (!allowZero)
            for (int i = 0; i < shape.Length; i++)
                if (shape[i] == 0) shape[i] = x.shape[i];
        return x.reshape(shape);
    }

    static Tensor Flatten(OnnxOpContext c)
    {
        var x = c.In(0);
        long axis = Axis(c.Int("axis", 1), x.dim());
        long outer = x.shape[..(int)axis].Aggregate(1L, (a, d) => a * d);
        return x.reshape(outer, -1);
    }

    static Tensor Gather(OnnxOpContext c)
    {
        Tensor data = c.In(0), indices = c.In(1);
        long axis = Axis(c.Int("axis", 0), data.dim());
        long size = data.shape[axis];
        using var scope = NewDisposeScope();
        var flat = indices.to_type(ScalarType.Int64).flatten();
        flat = where(flat < 0, flat + size, flat);
        var picked = data.index_select(axis, flat);
        var shape = data.shape[..(int)axis].Concat(indices.shape).Concat(data.shape[(int)(axis + 1)..]).ToArray();
        return picked.reshape(shape).MoveToOuterDisposeScope();
    }

    static Tensor[] Split(OnnxOpContext c)
    {
        var x = c.In(0);
        long axis = Axis(c.Int("axis", 0), x.dim());
        int outputs = c.Node.Outputs.Count;
        var sizes = c.IntsFromAttributeOrInput("split", 1);
        if (sizes is null)
        {
            long total = x.shape[axis], each = (total + outputs - 1) / outputs;
            sizes = Enumerable.Range(0, outputs).Select(i => Math.Min(each, Math.Max(0, total - i * each))).ToArray();
        }
        return x.split(sizes, axis);
    }

    static Tensor Softmax(OnnxOpContext c)
    {
        var x = c.In(0);
        if (c.Opset >= 13) return x.softmax(c.Int("axis", -1));
        // Before opset 13: the input is coerced to 2-D at axis (default 1) and the softmax runs over the second dimension.
        long axis = Axis(c.Int("axis", 1), x.dim());
        long outer = x.shape[..(int)axis].Aggregate(1L, (a, d) => a * d);
        using var scope = NewDisposeScope();
        return x.reshape(outer, -1).softmax(1).reshape(x.shape).MoveToOuterDisposeScope();
    }

    static Tensor LayerNorm(OnnxOpContext c)
    {
        var x = c.In(0);
        long axis = Axis(c.Int("axis", -1), x.dim());
        if (c.Node.Outputs.Count(o => o.Length > 0) > 1) throw new OnnxFormatException($"{c.Node}: the Mean/InvStdDev outputs are not supported");
        return F.layer_norm(x, x.shape[(int)axis..], c.In(1), c.Optional(2), c.Float("epsilon", 1e-5f));
    }

    static Tensor ReduceMean(OnnxOpContext c)
    {
        var x = c.In(0);
        var axes = c.IntsFromAttributeOrInput("axes", 1);
        bool keep = c.Int("keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (c.Int("noop_with_empty_axes", 0) != 0) return x.alias();
            axes = Enumerable.Range(0, (int)x.dim()).Select(d => (long)d).ToArray();
        }
        return x.mean(axes.Select(a => Axis(a, x.dim())).ToArray(), keepdim: keep);
    }

    static Tensor Unsqueeze(OnnxOpContext c)
    {
        var x = c.In(0);
        var axes = c.IntsFromAttributeOrInput("axes", 1) ?? throw new OnnxFormatException($"{c.Node}: axes missing");
        long rank = x.dim() + axes.Length;
        var y = x.alias();
        foreach (var axis in axes.Select(a => Axis(a, rank)).Order())
        {
            var next = y.unsqueeze(axis);
            y.Dispose();
            y = next;
        }
        return y;
    }

    static Tensor Squeeze(OnnxOpContext c)
    {
        var x = c.In(0);
        var axes = c.IntsFromAttributeOrInput("axes", 1);
        if (axes is null || axes.Length == 0)
            return x.reshape(x.shape.Where(d => d != 1).ToArray());
        var drop = axes.Select(a => Axis(a, x.dim())).ToHashSet();
        return x.reshape(x.shape.Where((_, i) => !drop.Contains(i)).ToArray());
    }

    static Tensor Shape(OnnxOpContext c)
    {
        var shape = c.In(0).shape;
        long rank = shape.Length;
        long start = Math.Clamp(Axis(c.Int("start", 0), rank), 0, rank), end = Math.Clamp(Axis(c.Int("end", rank), rank), 0, rank);
        return tensor(shape[(int)start..(int)Math.Max(start, end)], device: c.In(0).device);
    }

    static Tensor Slice(OnnxOpContext c)
    {
        var x = c.In(0);
        long[] starts, ends;
        long[]? axes, steps;
        if (c.Opset < 10)
        {
            starts = c.Ints("starts") ?? throw new OnnxFormatException($"{c.Node}: starts missing");
            ends = c.Ints("ends") ?? throw new OnnxFormatException($"{c.Node}: ends missing");
            axes = c.Ints("axes");
            steps = null;
        }
        else
        {
            starts = c.IntValues(1);
            ends = c.IntValues(2);
            axes = c.Optional(3) is null ? null : c.IntValues(3);
            steps = c.Optional(4) is null ? null : c.IntValues(4);
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var y = x.alias();
        for (int i = 0; i < axes.Length; i++)
        {
            long axis = Axis(axes[i], x.dim()), size = x.shape[axis], step = steps?[i] ?? 1;
            if (step == 0) throw new OnnxFormatException($"{c.Node}: slice step 0");
            long start = starts[i] < 0 ? starts[i] + size : starts[i], end = ends[i] < 0 ? ends[i] + size : ends[i];
            if (ends[i] == long.MaxValue) end = size;                      // "to the end", whatever the sign rules say
            if (step > 0) { start = Math.Clamp(start, 0, size); end = Math.Clamp(end, 0, size); }
            else { start = Math.Clamp(start, -1, size - 1); end = Math.Clamp(end, -1, size - 1); }
            long count = step > 0 ? Math.Max(0, (end - start + step - 1) / step) : Math.Max(0, (start - end - step - 1) / -step);
            using var index = arange(start, start + count * step, step, ScalarType.Int64, x.device);
            var next = count == 0 ? y.narrow(axis, 0, 0) : y.index_select(axis, index);
            y.Dispose();
            y = next;
        }
        return y;
    }

    static Tensor Expand(OnnxOpContext c)
    {
        var x = c.In(0);
        var shape = c.IntValues(1);
        // Bidirectional broadcast: the result has the broadcast of both shapes.
        int rank = Math.Max(shape.Length, (int)x.dim());
        var target = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long a = i - (rank - x.dim()) >= 0 ? x.shape[i - (rank - x.dim())] : 1;
            long b = i - (rank - shape.Length) >= 0 ? shape[i - (rank - shape.Length)] : 1;
            target[i] = a == 1 ? b : a;
        }
        return x.expand(target);
    }
}
