using static TorchSharp.torch;

namespace Arbor.Methods.Contrastive;

/// <summary>
/// One level to contrast: the view similarities (already divided by τ) and which samples share the level's label.
/// </summary>
/// <param name="Logits">z_i·z_a / τ for all views, <c>[V·N, V·N]</c>, view-major (row v·N + n is view v of sample n).</param>
/// <param name="SameClass">Samples whose label prefixes down to this level agree, <c>[N, N]</c> bool, diagonal true.</param>
internal sealed record ContrastLevel(Tensor Logits, Tensor SameClass);

/// <summary>How per-level losses are combined.</summary>
internal sealed record LevelCombination(
    bool ExponentialLevelWeights, bool Constraint, HiConEForm ConstraintForm, bool InverseFrequency, bool BatchReduction,
    double Temperature, double BaseTemperature, LossScale Scale = LossScale.Levels);
