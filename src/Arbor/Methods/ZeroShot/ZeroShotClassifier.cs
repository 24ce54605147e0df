using Arbor.Hierarchy;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Methods.ZeroShot;

/// <summary>How zero-shot logits are scaled.</summary>
public enum ZeroShotScale
{
    /// <summary>100 × cosine, as CLIP's zero-shot evaluation and HGCLIP's baseline do.</summary>
    Hundred,
    /// <summary>exp(logit_scale) × cosine, the checkpoint's learned temperature.</summary>
    LogitScale,
}

/// <summary>Options of <see cref="ZeroShotClassifier"/>.</summary>
public sealed record ZeroShotOptions
{
    /// <summary>Prompt templates; <c>{name}</c> (or <c>{}</c>) is replaced by the class name with underscores as spaces.</summary>
    public IReadOnlyList<string> Templates { get; init; } = DefaultTemplates;

    public ZeroShotScale Scale { get; init; } = ZeroShotScale.Hundred;

    /// <summary>
    /// When true, coarser levels are not scored by their own prompts but by summing the finest level's probabilities over
    /// each node's leaves; their "logits" are then the log of those probabilities (a softmax gives them back).
    /// </summary>
    public bool Marginalize { get; init; }

    /// <summary>Texts encoded per forward pass when building class embeddings.</summary>
    public int TextBatchSize { get; init; } = 256;

    public static readonly IReadOnlyList<string> DefaultTemplates = ["a photo of a {name}."];
}

/// <summary>
/// CLIP zero-shot classification at every level of a hierarchy: each node's prompts (one per template) are embedded,
/// normalised and averaged into one class embedding; an image's logits at a level are scale × cosine against that
/// level's class embeddings, one softmax per level. Class embeddings are computed once, at construction.
/// </summary>
public sealed class ZeroShotClassifier : IDisposable
{
    readonly ClipModel _model;
    readonly Tensor[] _classEmbeds;      // per level: [classes, projection_dim], unit norm
    readonly Tensor[] _leafToLevel;      // per level: [leaves, classes] 0/1, for marginalisation
    readonly double _scale;

    public ClassHierarchy Hierarchy { get; }
    public ZeroShotOptions Options { get; }

    public ZeroShotClassifier(ClipModel model, ClipTokenizer tokenizer, ClassHierarchy hierarchy, IReadOnlyList<string>? templates = null)
        : this(model, tokenizer, hierarchy, new ZeroShotOptions { Templates = templates ?? ZeroShotOptions.DefaultTemplates })
    {
    }

    public ZeroShotClassifier(ClipModel model, ClipTokenizer tokenizer, ClassHierarchy hierarchy, ZeroShotOptions options)
    {
        if (options.Templates.Count == 0) throw new ArgumentException("at least one prompt template is needed");
        _model = model;
        Hierarchy = hierarchy;
        Options = options;
        _scale = options.Scale == ZeroShotScale.Hundred ? 100.0 : Math.Exp(model.LogitScale.item<float>());
        _classEmbeds = new Tensor[hierarchy.Depth];
        _leafToLevel = new Tensor[hierarchy.Depth];
        var levelOfLeaf = hierarchy.LevelOfLeaf();
        for (int level = 1; level <= hierarchy.Depth; level++)
        {
            var names = hierarchy.NodesAt(level).Select(n => n.Name).ToList();
            _classEmbeds[level - 1] = ClassEmbeddings(tokenizer, names);
            var map = torch.zeros(hierarchy.LeafCount, hierarchy.ClassesAt(level));
            var leafIds = torch.arange(hierarchy.LeafCount, dtype: ScalarType.Int64);
            var classIds = torch.tensor(levelOfLeaf[level - 1].Select(i => (long)i).ToArray());
            map.index_put_(torch.tensor(1f), leafIds, classIds);
            leafIds.Dispose();
            classIds.Dispose();
            _leafToLevel[level - 1] = map;
        }
    }

    /// <summary>The prompts of one class: every template with the name (underscores → spaces) filled in.</summary>
    public IReadOnlyList<string> Prompts(string className)
    {
        var name = className.Replace('_', ' ');
        return Options.Templates.Select(t => t.Contains("{name}") ? t.Replace("{name}", name) : t.Replace("{}", name)).ToList();
    }

    /// <summary>Unit-norm class embeddings of one level: [classes, projection_dim].</summary>
    public Tensor ClassEmbeddingsAt(int level) => _classEmbeds[level - 1];

    Tensor ClassEmbeddings(ClipTokenizer tokenizer, IReadOnlyList<string> names)
    {
        using var scope = torch.NewDisposeScope();
        Tensor mean;
        using (torch.inference_mode())
        {
            var prompts = names.SelectMany(Prompts).ToList();
            var chunks = new List<Tensor>();
            for (int start = 0; start < prompts.Count; start += Options.TextBatchSize)
            {
                var ids = tokenizer.Tokenize(prompts.Skip(start).Take(Options.TextBatchSize).ToList());
                chunks.Add(nn.functional.normalize(_model.EncodeText(ids), dim: -1));
            }
            var perPrompt = torch.cat(chunks, 0).view(names.Count, Options.Templates.Count, -1);
            mean = nn.functional.normalize(perPrompt.mean([1]), dim: -1);
        }
        // Cloned outside inference mode: an inference tensor could not later join autograd-tracked computations.
        return mean.clone().MoveToOuterDisposeScope();
    }

    /// <summary>Per-level logits [B, classes at level], coarse → fine, for normalised pixel values [B, 3, H, W].</summary>
    public Tensor[] LevelLogits(Tensor pixelValues)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = torch.inference_mode();
        var image = nn.functional.normalize(_model.EncodeImage(pixelValues), dim: -1);
        return LevelLogitsFromImageEmbeds(image).Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Per-level logits from unit-norm image embeddings [B, projection_dim].</summary>
    public Tensor[] LevelLogitsFromImageEmbeds(Tensor imageEmbeds)
    {
        using var scope = torch.NewDisposeScope();
        int depth = Hierarchy.Depth;
        var logits = new Tensor[depth];
        for (int l = 0; l < depth; l++) logits[l] = imageEmbeds.matmul(_classEmbeds[l].t()) * _scale;
        if (Options.Marginalize)
        {
            var leafProbs = logits[depth - 1].softmax(-1);
            for (int l = 0; l < depth - 1; l++)
                logits[l] = leafProbs.matmul(_leafToLevel[l]).clamp_min(1e-30).log();
        }
        return logits.Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Per-level probabilities (one softmax per level).</summary>
    public Tensor[] LevelProbabilities(Tensor pixelValues)
    {
        var logits = LevelLogits(pixelValues);
        var probs = logits.Select(t => t.softmax(-1)).ToArray();
        foreach (var t in logits) t.Dispose();
        return probs;
    }

    /// <summary>The device the class embeddings (and so the image embeddings they meet) are on.</summary>
    public Device Device => _classEmbeds[0].device;

    /// <summary>Moves the class embeddings and the marginalisation maps; the caller moves the CLIP model itself.</summary>
    public void MoveTo(Device device)
    {
        for (int l = 0; l < _classEmbeds.Length; l++)
        {
            _classEmbeds[l] = Moved(_classEmbeds[l], device);
            _leafToLevel[l] = Moved(_leafToLevel[l], device);
        }
    }

    static Tensor Moved(Tensor t, Device device)
    {
        if (t.device == device) return t;
        var moved = t.to(device);
        t.Dispose();
        return moved;
    }

    public void Dispose()
    {
        foreach (var t in _classEmbeds.Concat(_leafToLevel)) t.Dispose();
    }
}
