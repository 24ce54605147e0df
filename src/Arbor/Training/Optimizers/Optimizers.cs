using TorchSharp.Modules;

namespace Arbor.Training.Optimizers;

/// <summary>Creates an optimiser by name ("sgd", "adamw").</summary>
internal static class OptimizerFactory
{
    public static IReadOnlyList<string> Names { get; } = new[] { "sgd", "adamw" };

    public static ParameterOptimizer Create(string name, IEnumerable<Parameter> parameters, double learningRate,
        double weightDecay, double momentum = 0.9) => name.ToLowerInvariant() switch
    {
        "sgd" => new SgdOptimizer(parameters, learningRate, momentum, weightDecay),
        "adamw" => new AdamWOptimizer(parameters, learningRate, weightDecay),
        _ => throw new ArborException($"unknown optimiser '{name}'; valid: {string.Join(", ", Names)}"),
    };
}
