namespace Arbor.Hierarchy;

public static partial class BuiltInHierarchies
{
    /// <summary>CIFAR-100: 20 superclasses / 100 classes, ids in the dataset's coarse and fine label order.</summary>
    public static ClassHierarchy Cifar100() =>
        throw new NotImplementedException("CIFAR-100 built-in hierarchy: see issue 2");
}
