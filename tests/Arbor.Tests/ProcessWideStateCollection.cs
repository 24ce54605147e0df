namespace Arbor.Tests;

/// <summary>
/// Tests that measure process-wide state (the live native tensor count, resident memory) run alone: xunit runs other
/// test classes in parallel, and their tensors would show up in the count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideStateCollection
{
    public const string Name = "process-wide state";
}
