using Arbor.Hierarchy;
using Arbor.Methods.ZeroShot;
using Arbor.Models.Clip;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments.VisionLanguage;

/// <summary>
/// CLIP zero-shot as a run's model (method <c>zeroshot</c>): the class embeddings of every level from the run's prompt
/// templates, nothing trained. Its checkpoint module is empty (the run's model file records only its identity); CLIP is
/// reloaded from the run's CLIP folder and the class embeddings recomputed, so `arbor eval` and `arbor predict` take a
/// folder written by `arbor zeroshot` like any other run.
/// </summary>
public sealed class ZeroShotModel : IHierarchicalModel
{
    readonly ClipModel _clip;
    readonly ZeroShotClassifier _classifier;
    readonly nn.Module _empty = nn.Sequential();

    /// <summary>Builds the class embeddings with <paramref name="clip"/>, which is frozen and from then on owned by this model.</summary>
    public ZeroShotModel(ClipModel clip, ClipTokenizer tokenizer, ClassHierarchy hierarchy, ZeroShotOptions options)
    {
        clip.Freeze();
        clip.eval();
        _clip = clip;
        _classifier = new ZeroShotClassifier(clip, tokenizer, hierarchy, options);
    }

    /// <summary>The zero-shot options a run config records (templates, marginalisation, scale), defaults where it has none.</summary>
    public static ZeroShotOptions OptionsOf(RunConfig config) => new()
    {
        Templates = config.Templates is { Length: > 0 } t ? t : ZeroShotOptions.DefaultTemplates,
        Marginalize = config.Marginalize ?? false,
        Scale = config.ZeroShotScale switch
        {
            null or "hundred" => ZeroShotScale.Hundred,
            "logit-scale" => ZeroShotScale.LogitScale,
            var other => throw new ArborException($"zero_shot_scale '{other}' in the run config: expected hundred or logit-scale"),
        },
    };

    /// <summary>The config fields that record <paramref name="options"/>.</summary>
    public static RunConfig WithOptions(RunConfig config, ZeroShotOptions options) => config with
    {
        Templates = options.Templates.ToArray(),
        Marginalize = options.Marginalize,
        ZeroShotScale = options.Scale == ZeroShotScale.Hundred ? "hundred" : "logit-scale",
    };

    /// <summary>The frozen CLIP.</summary>
    public ClipModel Clip => _clip;

    /// <summary>The classifier (class embeddings per level).</summary>
    public ZeroShotClassifier Classifier => _classifier;

    nn.Module IHierarchicalModel.Module => _empty;

    Device IHierarchicalModel.Device => _classifier.Device;

    public Tensor[] LevelLogits(Tensor images) => _classifier.LevelLogits(images);

    public void MoveTo(Device device)
    {
        _clip.to(device);
        _classifier.MoveTo(device);
    }

    public void Dispose()
    {
        _classifier.Dispose();
        _clip.Dispose();
        _empty.Dispose();
    }
}
