using Arbor.Data;
using Arbor.Methods.Hgclip;
using Arbor.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbor.Methods.Prompting.Baselines;

/// <summary>
/// The training loss of a prompt baseline: HGCLIP's per-level cross-entropy (<see cref="HgclipLoss"/>, so every row of
/// the table is trained on the same targets) plus the method's own regulariser:
/// <list type="bullet">
/// <item>KgCoOp: λ · (1 − (1/N) Σₙ cos(t̂ₙ, t̂ₙ⁰)) — prompted vs. hand-crafted text features of every node, the form of the
/// authors' code (htyao89/KgCoOp, trainers/kgcoop.py), for which their scripts set λ = 8. The paper writes ‖t̂ − t̂⁰‖²,
/// twice this on unit vectors, so λ = 8 on that form would pull twice as hard as the published runs did.</item>
/// <item>PromptSRC: 25 · L1(t̂, t̂⁰) + 10 · L1(v̂, v̂⁰) + 1 · KL(softmax(z⁰) ‖ softmax(z)) per level, averaged over levels —
/// v̂⁰ the frozen CLIP's unit image features and z⁰ its zero-shot logits on the template's features.</item>
/// <item>CoCoOp and MaPLe: none.</item>
/// </list>
/// </summary>
public sealed class PromptBaselineLoss(PromptBaselineModel model)
{
    readonly HgclipLoss _classification = new(model.Hierarchy);

    /// <summary>The scalar loss of a batch of images and their leaf ids.</summary>
    public Tensor Compute(Tensor images, Tensor leaves)
    {
        using var scope = NewDisposeScope();
        var output = model.Forward(images);
        var loss = _classification.Compute(output.Logits, leaves);
        var options = model.Options;
        switch (model.Method)
        {
            case PromptBaseline.KgCoOp:
                loss = loss + options.KnowledgeWeight * (1.0 - nn.functional.cosine_similarity(output.Text, model.FrozenTextFeatures, dim: 1, eps: 1e-7).mean());
                break;
            case PromptBaseline.PromptSRC:
                var frozenImage = model.FrozenImageFeatures(images);
                var text = options.TextConsistencyWeight * nn.functional.l1_loss(output.Text, model.FrozenTextFeatures);
                var image = options.ImageConsistencyWeight * nn.functional.l1_loss(output.Image, frozenImage);
                var zeroShot = model.PerLevel(model.Clip.LogitScale.exp() * frozenImage.matmul(model.FrozenTextFeatures.t()));
                Tensor? kl = null;
                for (int l = 0; l < zeroShot.Length; l++)
                {
                    // Summed over the batch and classes and divided by their count, as the authors' code does.
                    var term = nn.functional.kl_div(output.Logits[l].log_softmax(-1), zeroShot[l].log_softmax(-1),
                        reduction: nn.Reduction.Sum, log_target: true) / output.Logits[l].numel();
                    kl = kl is null ? term : kl + term;
                }
                loss = loss + text + image + options.LogitConsistencyWeight * kl! / zeroShot.Length;
                break;
        }
        return loss.MoveToOuterDisposeScope();
    }
}

/// <summary>Training a prompt baseline with the shared trainer; PromptSRC's ensemble grows after every epoch.</summary>
public sealed class PromptBaselineTask(PromptBaselineModel model) : ITrainingTask
{
    readonly PromptBaselineLoss _loss = new(model);

    public nn.Module Model => model;

    public IReadOnlyList<Parameter> TrainableParameters { get; } = model.TrainableParameters;

    public Tensor Loss(Batch batch) => _loss.Compute(batch.Images, batch.Leaves);

    /// <summary>
    /// Before epoch e (0-based) the prompts are those at the end of epoch e, 1-based — added to PromptSRC's ensemble
    /// (call <see cref="EpochFinished"/> from the validation hook, which runs once per finished epoch, before its checkpoint).
    /// </summary>
    public void EpochFinished(int epoch) => model.AddToEnsemble(epoch + 1);
}
