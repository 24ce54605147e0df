using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Experiments;

/// <summary>A trained or trainable model that labels images at every level of a hierarchy.</summary>
public interface IHierarchicalModel : IDisposable
{
    /// <summary>
    /// The state a checkpoint holds. For models on a frozen pretrained backbone (CLIP methods) this is only what
    /// training changes (prompts, graph encoders, prototypes); the backbone is reloaded from its own files.
    /// </summary>
    nn.Module Module { get; }

    /// <summary>Per-level logits [B, classes_at_level] for a batch of preprocessed images, coarse → fine.</summary>
    Tensor[] LevelLogits(Tensor images);

    /// <summary>
    /// The device the model computes on (its parameters'); inputs go there, every tensor it makes follows.
    /// </summary>
    Device Device => Training.ComputeDevice.Of(Module);

    /// <summary>
    /// Moves the whole model to <paramref name="device"/>: the module's state and whatever a model keeps outside it (a
    /// frozen CLIP, token tables, fixed text features).
    /// </summary>
    void MoveTo(Device device) => Module.to(device);
}
