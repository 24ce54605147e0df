using Arbor.Experiments;

namespace Arbor.Tests.Experiments;

/// <summary>The warnings a run folder's README.md repeats from its train.log.</summary>
public class ModelCardWarningsTests
{
    [Fact]
    public void TheCardTakesEachWarningOfTheLogOnceWithoutItsTimestamp()
    {
        using var tmp = TestPaths.NewTempFolder();
        var log = tmp.File("train.log");
        File.WriteAllText(log, string.Join("\n",
            "2026-12-04T15:03:50Z start: himulcone on fashion-mnist",
            "2026-12-04T15:04:36Z epoch 1/2  loss 17.2063  lr 0.0812",
            "2026-12-04T15:04:36Z warning: the projection has collapsed at epoch 1: … --hicone batch-mean …",
            "2026-12-04T15:05:17Z epoch 2/2  loss 17.1138  val type warning: not a warning",
            "2026-12-04T15:06:00Z resumed after epoch 1",
            "2026-12-04T15:06:40Z warning: the projection has collapsed at epoch 1: … --hicone batch-mean …",
            "2026-12-04T15:07:00Z warning: a second one",
            ""));
        Assert.Equal(new[] { "the projection has collapsed at epoch 1: … --hicone batch-mean …", "a second one" },
            ModelCard.TrainingWarnings(log));
    }

    [Fact]
    public void NoLogOrAQuietLogMeansNoWarnings()
    {
        using var tmp = TestPaths.NewTempFolder();
        Assert.Empty(ModelCard.TrainingWarnings(tmp.File("missing.log")));
        var log = tmp.File("train.log");
        File.WriteAllText(log, "2026-12-04T15:04:36Z epoch 1/2  loss 8.1\n");
        Assert.Empty(ModelCard.TrainingWarnings(log));
    }
}
