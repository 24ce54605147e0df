// The console project scripts/pack-and-smoke.sh builds against the packed Arbor library, outside the repository:
// trains a small run on the embedded Fashion-MNIST subset, reopens it and evaluates it, as a user's program would.
using Arbor;
using Arbor.Evaluation;

string runFolder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "arbor-consumer-run");
using (var trained = HierarchicalClassifier.Train(new TrainingOptions
{
    Method = new CrossEntropyMethod(),
    Dataset = DatasetSource.FashionMnistEmbedded() with { TrainLimit = 512 },
    Epochs = 1,
    Overwrite = true,
}, runFolder))
    Console.WriteLine($"trained: {string.Join(" / ", trained.TestMetrics!.Levels.Select(l => $"{l.Name} {l.Top1:P1}"))}");

using var classifier = HierarchicalClassifier.Open(runFolder);
var metrics = classifier.Evaluate(decoding: Decoding.Consistent);
Console.WriteLine($"reopened and evaluated: {metrics.Samples} test images, full path {metrics.FullPath:P1}");
Console.WriteLine("ok");
