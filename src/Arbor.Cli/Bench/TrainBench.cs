using System.CommandLine;
using System.Diagnostics;
using Arbor.Data;
using Arbor.Experiments;
using Arbor.Hierarchy;
using Arbor.Training;
using Arbor.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Bench;

/// <summary>
/// `arbor-bench train`: training throughput of one method's step (forward, loss, backward, SGD update) on synthetic
/// Fashion-MNIST-shaped batches, so the figure measures the model and loss, not the loader. Reports images/s (source
/// images: a contrastive step sees two views of each), CPU time per image, and resident / peak memory. With a point-cloud
/// backbone (pointnet, dgcnn) the batches are random clouds of --points points and the figure is clouds/s.
/// </summary>
internal static class TrainBench
{
    public static Command Build()
    {
        var method = new Option<string>("--method", "-m") { Description = $"Method: {string.Join(" | ", MethodCatalog.Names.Take(8))}", DefaultValueFactory = _ => "hmlc" };
        var backbone = new Option<string>("--backbone") { Description = "resnet20 | resnet18 | pointnet | dgcnn", DefaultValueFactory = _ => "resnet20" };
        var batch = new Option<int>("--batch-size", "--batch") { DefaultValueFactory = _ => 256 };
        var size = new Option<int>("--size") { Description = "Image side in pixels", DefaultValueFactory = _ => 28 };
        var channels = new Option<int>("--channels") { DefaultValueFactory = _ => 1 };
        var points = new Option<int>("--points") { Description = "Points per cloud (point-cloud backbones)", DefaultValueFactory = _ => 1024 };
        var steps = new Option<int>("--steps") { Description = "Timed steps (after 2 warm-up steps)", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 2 };
        var command = new Command("train", "Training throughput (images/s) and peak memory of one method's step.");
        foreach (var o in new Option[] { method, backbone, batch, size, channels, points, steps, threads }) command.Options.Add(o);
        command.SetAction(r =>
        {
            foreach (var (option, least) in new[] { (steps, 1), (batch, 2), (size, 8), (points, 1), (threads, 1) })
                if (r.GetValue(option) < least)
                    throw new ArborException($"{option.Name} must be at least {least}, not {r.GetValue(option)}");
            if (r.GetValue(channels) is not (1 or 3))
                throw new ArborException($"--channels must be 1 or 3, not {r.GetValue(channels)}");
            set_num_threads(r.GetValue(threads));
            var name = MethodCatalog.Canonical(r.GetValue(method)!);
            var family = MethodCatalog.Get(name).Family;
            if (family == MethodFamily.VisionLanguage) throw new ArborException("use `arbor bench hgclip` for CLIP methods");
            int n = r.GetValue(batch), px = r.GetValue(size), ch = r.GetValue(channels);
            bool clouds = Arbor.Models.Vision.Backbones.IsPointBackbone(r.GetValue(backbone));
            var hierarchy = clouds ? BuiltInHierarchies.Shapes() : BuiltInHierarchies.FashionMnist();
            long[] sample = clouds ? new long[] { n, r.GetValue(points), 3 } : new long[] { n, ch, px, px };
            string unit = clouds ? "clouds" : "images";
            manual_seed(0);
            using var model = new ImageMethodModel(name, hierarchy, r.GetValue(backbone)!, ch, 0.1);
            ITrainingTask task = family == MethodFamily.Contrastive ? new ContrastiveTask(model) : new SupervisedTask(model);
            using var optimizer = new SgdOptimizer(task.TrainableParameters, 0.01, 0.9, 1e-4);
            var leaves = randint(0, hierarchy.LeafCount, n, dtype: int64).DetachFromDisposeScope();
            var levelOfLeaf = hierarchy.LevelOfLeaf();
            var leafIds = leaves.data<long>().ToArray();
            var levels = levelOfLeaf.Select(map => tensor(leafIds.Select(l => (long)map[(int)l]).ToArray()).DetachFromDisposeScope()).ToArray();
            var view1 = randn(sample).DetachFromDisposeScope();
            var view2 = family == MethodFamily.Contrastive ? randn(sample).DetachFromDisposeScope() : null;
            var batchData = new Batch(view1, view2, levels[^1], levels, Enumerable.Range(0, n).ToArray(), 0, 0);
            model.train();
            Console.WriteLine($"{name} / {r.GetValue(backbone)}: batch {n} × {(view2 is null ? 1 : 2)} view(s) of {(clouds ? $"{sample[1]} points" : $"{ch}×{px}×{px}")}, " +
                              $"torch threads {get_num_threads()}, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Console.WriteLine(NativeAllocator.Describe());
            var perStep = new List<double>();
            var warmup = new List<double>();
            var cpuStart = TimeSpan.Zero;
            for (int step = 0; step < 2 + r.GetValue(steps); step++)
            {
                if (step == 2) cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    optimizer.ZeroGrad();
                    task.Loss(batchData).backward();
                    optimizer.Step();
                }
                (step >= 2 ? perStep : warmup).Add(watch.Elapsed.TotalSeconds);
            }
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
            Console.WriteLine($"warm-up steps: {string.Join(", ", warmup.Select(t => $"{t * 1000:F0} ms"))}");
            perStep.Sort();
            double median = perStep[perStep.Count / 2];
            Console.WriteLine($"step: median {median * 1000:F0} ms, best {perStep[0] * 1000:F0} ms → {n / median:F1} {unit}/s " +
                              $"(best {n / perStep[0]:F1}); CPU {cpu / perStep.Count * 1000 / n:F2} ms per {unit[..^1]}");
            Console.WriteLine($"memory: resident {MemoryProbe.ResidentMiB():F0} MiB, peak {MemoryProbe.PeakMiB():F0} MiB");
            BenchFigures.Record("method", name);
            BenchFigures.Record("backbone", r.GetValue(backbone)!);
            BenchFigures.Record("batch", n);
            BenchFigures.Record("step_ms_median", median * 1000);
            BenchFigures.Record("step_ms_best", perStep[0] * 1000);
            BenchFigures.Record($"{unit}_per_s", n / median);
            BenchFigures.Record("peak_rss_mib", MemoryProbe.PeakMiB());
            batchData.Dispose();
            return 0;
        });
        return command;
    }
}
