using Arbor.Training;

namespace Arbor.Tests.Training;

/// <summary>The warnings a run folder's train.log holds, as its README.md (the model card) lists them.</summary>
public class RunFolderWarningsTests
{
    [Fact]
    public void EachWarningOfTheLogComesBackOnceWithoutItsTimestamp()
    {
        using var tmp = TestPaths.NewTempFolder();
        File.WriteAllText(tmp.File("train.log"), string.Join("\n",
            "2026-12-04T15:03:50Z start: himulcone on fashion-mnist",
            "2026-12-04T15:04:36Z epoch 1/2  loss 17.2063  lr 0.0812",
            "2026-12-04T15:04:36Z warning: the projection has collapsed at epoch 1: … --hicone batch-mean …",
            "2026-12-04T15:05:17Z epoch 2/2  loss 17.1138  val type warning: not a warning",
            "2026-12-04T15:06:00Z resumed after epoch 1",
            "2026-12-04T15:06:40Z warning: the projection has collapsed at epoch 1: … --hicone batch-mean …",
            "2026-12-04T15:07:00Z warning: a second one",
            ""));
        Assert.Equal(new[] { "the projection has collapsed at epoch 1: … --hicone batch-mean …", "a second one" },
            RunFolder.Observe(tmp.Path).LoggedWarnings());
    }

    [Fact]
    public void WhatLogWarningWritesLoggedWarningsReads()
    {
        using var tmp = TestPaths.NewTempFolder();
        var run = RunFolder.Observe(tmp.Path);
        run.Log("epoch 1/2  loss 8.1");
        run.LogWarning("the projection has collapsed at epoch 1");
        Assert.Equal(new[] { "the projection has collapsed at epoch 1" }, run.LoggedWarnings());
    }

    [Fact]
    public void NoLogOrAQuietLogMeansNoWarnings()
    {
        using var tmp = TestPaths.NewTempFolder();
        Assert.Empty(RunFolder.Observe(tmp.Path).LoggedWarnings());
        File.WriteAllText(tmp.File("train.log"), "2026-12-04T15:04:36Z epoch 1/2  loss 8.1\n");
        Assert.Empty(RunFolder.Observe(tmp.Path).LoggedWarnings());
    }
}
