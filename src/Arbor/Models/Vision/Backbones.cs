namespace Arbor.Models.Vision;

/// <summary>Backbones by name, for the CLI's <c>--backbone</c> option.</summary>
public static class Backbones
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "resnet18", "resnet20" };

    /// <summary>
    /// A freshly initialised backbone: "resnet18" (CIFAR-stem ResNet-18, 512-d features) or "resnet20" (CIFAR ResNet-20,
    /// 64-d features), case-insensitive. An unknown name is an <see cref="ArborException"/> listing the valid ones.
    /// </summary>
    public static ResNet Create(string name, int inChannels)
    {
        if (inChannels is not (1 or 3))
            throw new ArborException($"backbones take 1- or 3-channel images, not {inChannels} channels");
        return name.Trim().ToLowerInvariant() switch
        {
            "resnet18" or "resnet-18" => ResNet.ResNet18Cifar(inChannels),
            "resnet20" or "resnet-20" => ResNet.ResNet20(inChannels),
            _ => throw new ArborException($"unknown backbone '{name}'; valid backbones: {string.Join(", ", Names)}"),
        };
    }
}
