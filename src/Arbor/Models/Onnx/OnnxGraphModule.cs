using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Models.Onnx;

/// <summary>
/// An ONNX graph as a TorchSharp module: the graph's float initializers are <see cref="Parameter"/>s (trainable until
/// <see cref="Freeze"/>), BatchNormalization statistics and other non-learned values are buffers, and the forward pass
/// computes the nodes in order with <see cref="OnnxOps"/>. State-dict keys are the initializer names (dotted names such as
/// <c>encoder.layer.0.attention.self.query.weight</c> become nested submodules, as PyTorch names them), so weights save,
/// load and fine-tune like any other module's. Operators Arbor cannot compute are refused at load, all named at once.
/// </summary>
public sealed class OnnxGraphModule : nn.Module
{
    /// <summary>A container for the parameters under one dotted prefix.</summary>
    sealed class Scope(string name) : nn.Module(name);

    /// <summary>Where an ONNX value lives in the module tree: the scope module and its local name.</summary>
    sealed record Slot(nn.Module Owner, string Local, bool IsParameter);

    readonly OnnxNode[] _nodes;
    readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> _producer = new(StringComparer.Ordinal);   // value → index of the node making it
    readonly Dictionary<string, Scope> _scopes = new(StringComparer.Ordinal);
    readonly Dictionary<string, (int[] Nodes, Dictionary<string, int> LastUse)> _plans = new(StringComparer.Ordinal);
    readonly long _opset;

    /// <summary>The file the graph came from.</summary>
    public string Source { get; }

    /// <summary>Declared graph inputs that are not initializers (what a run must be fed).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>Declared graph outputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>The nodes, in the file's order.</summary>
    public IReadOnlyList<OnnxNode> Nodes => _nodes;

    /// <summary>
    /// How far one training-mode batch moves BatchNormalization's running statistics (torch's convention: the batch's
    /// weight, 0.1 in torch's own layers); null (the default) uses each node's momentum attribute. The attribute is a
    /// training hyperparameter of whoever exported the file and can suit its training, not a fine-tuning run: CNTK's
    /// ResNet-18 says 0.988 (batch weight 0.0117, a memory of ~85 batches), so after a short fine-tuning the running
    /// statistics still describe the original weights and eval mode breaks.
    /// </summary>
    public double? BatchNormMomentum
    {
        get => _batchNormMomentum;
        set => _batchNormMomentum = value is null or (>= 0 and <= 1) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{Source}: BatchNormalization momentum must be in [0, 1]");
    }
    double? _batchNormMomentum;

    /// <summary>Reads and builds <paramref name="path"/>.</summary>
    public static OnnxGraphModule Load(string path, string name = "onnx") => new(OnnxReader.Read(path), name);

    /// <summary>
    /// Builds the module from a parsed model. Unsupported operators, values used before they are made, and malformed
    /// initializers are <see cref="ArborException"/>s naming the file.
    /// </summary>
    public OnnxGraphModule(OnnxModelProto model, string name = "onnx") : base(name)
    {
        Source = model.Source;
        _opset = model.Opset;
        var graph = model.Graph;
        var unsupported = graph.Nodes.Where(n => !OnnxOps.IsSupported(n))
            .Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}").Distinct().Order(StringComparer.Ordinal).ToArray();
        if (unsupported.Length > 0)
            throw new ArborException($"unsupported ONNX operator(s): {string.Join(", ", unsupported)} (Arbor computes: {string.Join(", ", OnnxOps.Supported)})", Source);

        try
        {
            var initializerNames = graph.Initializers.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            Inputs = graph.Inputs.Where(i => !initializerNames.Contains(i.Name)).ToArray();
            Outputs = graph.Outputs.ToArray();
            // BatchNormalization's mean and variance are statistics, not weights: buffers (saved, never given gradients).
            var statistics = graph.Nodes.Where(n => n.OpType == "BatchNormalization").SelectMany(n => n.Inputs.Skip(3).Take(2)).ToHashSet(StringComparer.Ordinal);
            foreach (var init in graph.Initializers)
            {
                var value = OnnxTensors.ToTensor(init);
                bool learned = value.is_floating_point() && !statistics.Contains(init.Name) && value.numel() > 1;
                AddValue(init.Name, value, learned ? Kind.Parameter : value.is_floating_point() ? Kind.Buffer : Kind.Constant);
            }
            var nodes = new List<OnnxNode>();
            var defined = Inputs.Select(i => i.Name).Concat(initializerNames).ToHashSet(StringComparer.Ordinal);
            foreach (var node in graph.Nodes)
            {
                foreach (var input in node.Inputs.Where(i => i.Length > 0 && !defined.Contains(i)))
                    throw new OnnxFormatException($"{node} uses '{input}' before any node makes it (graph not in topological order?)");
                if (node.OpType == "Constant")
                    AddValue(node.Outputs[0], OnnxOps.ConstantValue(node), Kind.Constant);
                else
                {
                    foreach (var output in node.Outputs.Where(o => o.Length > 0)) _producer[output] = nodes.Count;
                    nodes.Add(node);
                }
                defined.UnionWith(node.Outputs);
            }
            _nodes = nodes.ToArray();
            foreach (var output in Outputs.Where(o => !defined.Contains(o.Name)))
                throw new OnnxFormatException($"graph output '{output.Name}' is never computed");
        }
        catch (OnnxFormatException e)
        {
            throw new ArborException($"not a valid ONNX model: {e.Message}", Source, e);
        }
        RegisterComponents();
    }

    enum Kind { Parameter, Buffer, Constant }

    /// <summary>Registers an initializer or constant under its (dotted) name, creating scope modules for the prefixes.</summary>
    void AddValue(string onnxName, Tensor value, Kind kind)
    {
        var segments = onnxName.Split('.').Select(Sanitise).ToArray();
        nn.Module owner = this;
        string prefix = "";
        for (int i = 0; i < segments.Length - 1; i++)
        {
            prefix = prefix.Length == 0 ? segments[i] : $"{prefix}.{segments[i]}";
            if (!_scopes.TryGetValue(prefix, out var scope))
            {
                scope = new Scope(segments[i]);
                owner.register_module(segments[i], scope);
                _scopes[prefix] = scope;
            }
            owner = scope;
        }
        var local = segments[^1];
        while (owner.named_children().Any(c => c.name == local) || Taken(owner, local)) local += "_";
        value.DetachFromDisposeScope();
        switch (kind)
        {
            case Kind.Parameter: owner.register_parameter(local, new Parameter(value, requires_grad: true)); break;
            case Kind.Buffer: owner.register_buffer(local, value, persistent: true); break;
            default: owner.register_buffer(local, value, persistent: false); break;
        }
        _slots[onnxName] = new Slot(owner, local, kind == Kind.Parameter);
    }

    static bool Taken(nn.Module owner, string local) =>
        owner.named_parameters(recurse: false).Any(p => p.name == local) || owner.named_buffers(recurse: false).Any(b => b.name == local);

    /// <summary>A name torch accepts for a parameter or submodule: letters, digits and underscores.</summary>
    static string Sanitise(string segment)
    {
        if (segment.Length == 0) return "_";
        var b = new StringBuilder(segment.Length);
        foreach (var ch in segment) b.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' ? ch : '_');
        return b.ToString();
    }

    /// <summary>The current tensor of an initializer or constant (looked up each time: moving the module replaces it).</summary>
    Tensor Value(string onnxName)
    {
        var slot = _slots[onnxName];
        return (slot.IsParameter ? slot.Owner.get_parameter(slot.Local) : slot.Owner.get_buffer(slot.Local))
            ?? throw new InvalidOperationException($"{Source}: '{onnxName}' is no longer registered");
    }

    /// <summary>True when <paramref name="name"/> is an initializer or constant of the graph.</summary>
    public bool IsInitializer(string name) => _slots.ContainsKey(name);

    /// <summary>The trainable tensor an initializer became (e.g. a word-embedding table), or null when it is not a parameter.</summary>
    public Parameter? Parameter(string onnxName) =>
        _slots.TryGetValue(onnxName, out var slot) && slot.IsParameter ? slot.Owner.get_parameter(slot.Local) : null;

    /// <summary>
    /// Replaces the imported weights with a fresh initialisation, as torchvision initialises the same layers, so the
    /// graph can be trained from scratch as the control for fine-tuning it: Conv weights Kaiming-normal (fan-out, ReLU
    /// gain), Conv biases zero; BatchNormalization scale 1, bias 0, running mean 0, running variance 1; Gemm weights and
    /// biases uniform in ±1/√fan-in (torch's Linear). Other initializers (shapes, constants, embeddings of other ops) are
    /// left as they are. Draws from torch's global generator, so <c>manual_seed</c> makes it repeatable.
    /// </summary>
    public OnnxGraphModule InitialiseFromScratch()
    {
        using var noGrad = no_grad();
        Tensor? Init(OnnxNode node, int input) =>
            node.Inputs.Count > input && node.Inputs[input].Length > 0 && IsInitializer(node.Inputs[input]) ? Value(node.Inputs[input]) : null;
        foreach (var node in _nodes)
            switch (node.OpType)
            {
                case "Conv":
                    if (Init(node, 1) is { } kernel) nn.init.kaiming_normal_(kernel, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    Init(node, 2)?.zero_();
                    break;
                case "BatchNormalization":
                    Init(node, 1)?.fill_(1);
                    Init(node, 2)?.zero_();
                    Init(node, 3)?.zero_();
                    Init(node, 4)?.fill_(1);
                    break;
                case "Gemm":
                    if (Init(node, 1) is not { } weight || weight.dim() != 2) break;
                    bool transposed = node.Attributes.TryGetValue("transB", out var t) && t.I != 0;
                    double bound = 1 / Math.Sqrt(weight.shape[transposed ? 1 : 0]);
                    weight.uniform_(-bound, bound);
                    Init(node, 2)?.uniform_(-bound, bound);
                    break;
            }
        return this;
    }

    /// <summary>Stops gradients to every imported weight.</summary>
    public OnnxGraphModule Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
        return this;
    }

    /// <summary>
    /// Computes <paramref name="outputs"/> (graph outputs or any intermediate value) from <paramref name="feeds"/> (graph
    /// inputs by name). Only the nodes those outputs depend on run; intermediates are freed once their last reader ran.
    /// <paramref name="hooks"/> replace a value right after the node that makes it (e.g. token embeddings with prompt
    /// context), so what follows sees the replacement and gradients reach whatever the hook used.
    /// </summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> feeds, IReadOnlyList<string> outputs,
        IReadOnlyDictionary<string, Func<Tensor, Tensor>>? hooks = null)
    {
        foreach (var input in Inputs.Where(i => !feeds.ContainsKey(i.Name) && Needs(outputs, i.Name)))
            throw new ArgumentException($"{Source}: input '{input.Name}' is not fed");
        var (order, lastUse) = Plan(outputs);
        using var scope = NewDisposeScope();
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var keep = outputs.ToHashSet(StringComparer.Ordinal);
        Tensor? Lookup(string name) => name.Length == 0 ? null
            : values.TryGetValue(name, out var v) ? v
            : feeds.TryGetValue(name, out var f) ? f
            : _slots.ContainsKey(name) ? Value(name)
            : throw new ArgumentException($"{Source}: value '{name}' is not available");
        foreach (int index in order)
        {
            var node = _nodes[index];
            var inputs = node.Inputs.Select(Lookup).ToArray();
            Tensor[] results;
            try { results = OnnxOps.Run(new OnnxOpContext(node, inputs, _opset, training, _batchNormMomentum)); }
            catch (OnnxFormatException e) { throw new ArborException(e.Message, Source, e); }
            for (int o = 0; o < node.Outputs.Count && o < results.Length; o++)
            {
                var name = node.Outputs[o];
                if (name.Length == 0) { results[o].Dispose(); continue; }
                var value = results[o];
                if (hooks is not null && hooks.TryGetValue(name, out var hook)) value = hook(value);
                values[name] = value;
            }
            // Free what no later node reads (autograd keeps its own references to what backward needs).
            foreach (var input in node.Inputs.Distinct())
                if (values.TryGetValue(input, out var dead) && !keep.Contains(input) && lastUse.TryGetValue(input, out int last) && last == index)
                {
                    values.Remove(input);
                    dead.Dispose();
                }
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in outputs)
        {
            var value = Lookup(name)!;
            result[name] = (values.ContainsKey(name) ? value : value.alias()).MoveToOuterDisposeScope();
        }
        return result;
    }

    /// <summary>Runs the graph with its declared outputs (single-output convenience).</summary>
    public Tensor Run(IReadOnlyDictionary<string, Tensor> feeds) => Run(feeds, [Outputs[0].Name])[Outputs[0].Name];

    bool Needs(IReadOnlyList<string> outputs, string input) =>
        Plan(outputs).Nodes.Any(i => _nodes[i].Inputs.Contains(input)) || outputs.Contains(input);

    /// <summary>The nodes that <paramref name="outputs"/> depend on (in order) and, per intermediate value, its last reader.</summary>
    (int[] Nodes, Dictionary<string, int> LastUse) Plan(IReadOnlyList<string> outputs)
    {
        var key = string.Join("\n", outputs);
        lock (_plans)
        {
            if (_plans.TryGetValue(key, out var plan)) return plan;
            var needed = new HashSet<int>();
            var stack = new Stack<string>(outputs);
            while (stack.Count > 0)
            {
                var value = stack.Pop();
                if (!_producer.TryGetValue(value, out int node))
                {
                    if (!_slots.ContainsKey(value) && !Inputs.Any(i => i.Name == value))
                        throw new ArgumentException($"{Source}: no value named '{value}' in the graph");
                    continue;
                }
                if (!needed.Add(node)) continue;
                foreach (var input in _nodes[node].Inputs.Where(i => i.Length > 0)) stack.Push(input);
            }
            var order = needed.Order().ToArray();
            var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (int i in order)
                foreach (var input in _nodes[i].Inputs.Where(_producer.ContainsKey))
                    lastUse[input] = i;
            plan = (order, lastUse);
            _plans[key] = plan;
            return plan;
        }
    }
}
