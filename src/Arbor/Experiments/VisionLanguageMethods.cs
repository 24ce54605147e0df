using Arbor.Data;
using Arbor.Hierarchy;
using Arbor.Training;

namespace Arbor.Experiments;

/// <summary>
/// The CLIP-based methods (hgclip, coop, vpt, ivlp, linear-probe): building their model on a frozen CLIP, the input
/// geometry CLIP wants, and their training. Filled in by the HGCLIP work (issue 6).
/// </summary>
public static class VisionLanguageMethods
{
    /// <summary>Image size, channels and normalisation the run's CLIP expects, written into the config.</summary>
    public static RunConfig ResolveInput(RunConfig config) =>
        throw new ArborException($"method '{config.Method}' is not implemented yet");

    /// <summary>Builds the model (CLIP loaded from config.ClipPath, frozen; trainable parts freshly initialised).</summary>
    public static IHierarchicalModel Create(RunConfig config, ClassHierarchy hierarchy) =>
        throw new ArborException($"method '{config.Method}' is not implemented yet");

    /// <summary>Trains the model with the shared trainer; on return the model holds the weights selected on validation.</summary>
    public static void Train(RunConfig config, IHierarchicalModel model, DatasetSplits splits, Trainer trainer,
        Trainer.CheckpointPlan plan, ProgressReporter progress) =>
        throw new ArborException($"method '{config.Method}' is not implemented yet");
}
