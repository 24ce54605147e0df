using System.CommandLine;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>`arbor train`: train a method, write a run folder (metrics.json, config.json, model, log).</summary>
internal static class TrainCommand
{
    public static Command Build()
    {
        var method = new Option<string>("--method", "-m")
        {
            Description = $"Method: {string.Join(" | ", MethodCatalog.Names)}", DefaultValueFactory = _ => "hmlc",
        };
        var dataset = SharedOptions.Dataset("fashion-mnist");
        var hierarchy = SharedOptions.Hierarchy();
        var dataRoot = SharedOptions.DataRoot();
        var allowOutside = SharedOptions.AllowOutsidePaths();
        var backbone = new Option<string?>("--backbone") { Description = "Backbone: resnet20 | resnet18 | resnet18-imagenet (fine-tuned) | resnet18-imagenet-scratch (its network, fresh weights) for images, pointnet | dgcnn for point clouds (default: the method's; pointnet on point clouds)" };
        var points = SharedOptions.Points();
        var clip = new Option<string?>("--clip") { Description = "Hugging Face CLIP folder for hgclip | coop | vpt | ivlp | kgcoop | cocoop | maple | promptsrc | linear-probe (config.json, model.safetensors, vocab.json, merges.txt)" };
        var clipPreprocess = ClipOptions.Preprocessing();
        var imageEncoder = new Option<string?>("--image-encoder") { Description = $"Pretrained image tower instead of --clip for hgclip | coop | linear-probe: {string.Join(" | ", Arbor.Models.Encoders.EncoderRegistry.ImageNames)}" };
        var textEncoder = new Option<string?>("--text-encoder") { Description = $"Pretrained text tower with --image-encoder: {string.Join(" | ", Arbor.Models.Encoders.EncoderRegistry.TextNames)}" };
        var fineTuneImage = new Option<bool>("--finetune-image") { Description = "Train the --image-encoder tower too (default: frozen, its encodings cached)" };
        var parts = new Option<string?>("--parts") { Description = "HGCLIP parts: text-prompt,text-graph,visual-prompt,visual-graph | all | none (default all)" };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs (default: the method's)" };
        var batch = SharedOptions.BatchSize("Batch size (default: the method's)");
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default: the method's)" };
        var optimizer = new Option<string?>("--optimizer") { Description = "sgd | adamw (default: the method's)" };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "Weight decay (default: the method's)" };
        var warmup = new Option<double?>("--warmup") { Description = "Warm-up epochs before the cosine decay" };
        var temperature = new Option<double?>("--temperature") { Description = "Contrastive temperature τ (default 0.1)" };
        var probeEpochs = new Option<int?>("--probe-epochs") { Description = "Linear-probe epochs for contrastive methods" };
        var valFraction = SharedOptions.ValFraction();
        var trainLimit = new Option<int?>("--train-limit") { Description = "Train on the first N training images, after the validation carve (quick runs; more than the dataset has is an error)" };
        var seed = SharedOptions.Seed();
        var threads = SharedOptions.Threads();
        var decoding = SharedOptions.Decoding();
        var output = SharedOptions.Out("Run folder to create", required: true);
        var force = SharedOptions.Force();
        var json = SharedOptions.Json("Print the test metrics as JSON (metrics.json) instead of a table");
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint (same options; --epochs may be raised)" };
        var tensorBoard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files into <out>/tensorboard" };
        var logSteps = new Option<bool>("--log-steps") { Description = "Also log every training step's loss (full precision) in <out>/train.log" };
        var imageSize = SharedOptions.ImageSize(SharedOptions.DatasetInputDefaults + "; pretrained towers take multiples of 32 from 64");
        var channels = SharedOptions.Channels(SharedOptions.DatasetChannelDefaults);
        var normalization = new Option<string?>("--normalization") { Description = "Input normalisation: data (mean/std of the training images; default for your own images) | imagenet | clip | fashion-mnist | cifar-100 | symmetric | none" };
        var resize = new Option<string?>("--resize") { Description = "How images become squares: shorter-side-center-crop (default) | stretch" };
        var skipBad = new Option<bool>("--skip-bad-images") { Description = "Leave out image files that do not decode (listed in the run's skipped-images.txt) instead of stopping" };
        var device = DeviceOption.Create();
        var distributed = new Option<string?>("--distributed") { Description = "mpi: data-parallel training over the ranks of `mpirun -np K arbor train …` (docs/distributed.md)" };
        var precision = PrecisionOption.Create();

        var command = new Command("train", "Train a method on a dataset and write a run folder (metrics.json, config.json, model, log).")
        {
            method, dataset, hierarchy, dataRoot, allowOutside, backbone, clip, clipPreprocess, imageEncoder, textEncoder, fineTuneImage, parts, epochs, batch, lr, optimizer,
            weightDecay, warmup, temperature, probeEpochs, valFraction, trainLimit, seed, threads, imageSize, channels, normalization,
            resize, skipBad, decoding, output, force, resume, tensorBoard, logSteps, json, device, precision, points, distributed,
        };
        // Options with a default value: given only when on the command line (the others are given when set, i.e. non-null).
        var defaulted = new (Option Option, string Field)[]
        {
            (method, "method"), (dataset, "dataset"), (valFraction, "validation_fraction"), (seed, "seed"), (threads, "threads"),
            (skipBad, "skip_bad_images"), (allowOutside, "allow_paths_outside_manifest"),
        };
        var contrastive = new ContrastiveCliOptions();
        contrastive.AddTo(command);
        var hgclip = new HgclipCliOptions();
        hgclip.AddTo(command);
        command.SetAction(result =>
        {
            var config = new RunConfig
            {
                Method = result.GetValue(method)!,
                Dataset = result.GetValue(dataset)!,
                Hierarchy = result.GetValue(hierarchy),
                DataRoot = result.GetValue(dataRoot),
                AllowPathsOutsideManifest = result.GetValue(allowOutside),
                Backbone = result.GetValue(backbone),
                ClipPath = result.GetValue(clip),
                // Unset (not the option's display default) so a recipe can choose: the HGCLIP reference's is "stretch".
                ClipPreprocessing = result.GetValue(clip) is null || result.GetResult(clipPreprocess) is not { Implicit: false }
                    ? null : result.GetValue(clipPreprocess),
                ImageEncoder = result.GetValue(imageEncoder),
                TextEncoder = result.GetValue(textEncoder),
                FineTuneImage = result.GetValue(fineTuneImage) ? true : null,
                Parts = result.GetValue(parts),
                Epochs = result.GetValue(epochs),
                BatchSize = result.GetValue(batch),
                LearningRate = result.GetValue(lr),
                Optimizer = result.GetValue(optimizer),
                WeightDecay = result.GetValue(weightDecay),
                WarmupEpochs = result.GetValue(warmup),
                Temperature = result.GetValue(temperature),
                ProbeEpochs = result.GetValue(probeEpochs),
                ValidationFraction = result.GetValue(valFraction),
                TrainLimit = result.GetValue(trainLimit),
                Seed = result.GetValue(seed),
                Threads = result.GetValue(threads),
                ImageSize = result.GetValue(imageSize),
                Channels = result.GetValue(channels),
                Normalization = result.GetValue(normalization)?.ToLowerInvariant(),
                Resize = result.GetValue(resize)?.ToLowerInvariant(),
                SkipBadImages = result.GetValue(skipBad),
                Points = result.GetValue(points),
                Precision = PrecisionOption.Get(result, precision),
            };
            config = hgclip.Apply(result, contrastive.Apply(result, config));
            // The config.json fields the user set, so --resume can list exactly the options that changed.
            var notGiven = defaulted.Where(f => result.GetResult(f.Option) is null or { Implicit: true }).Select(f => f.Field);
            var given = System.Text.Json.Nodes.JsonNode.Parse(config.ToJson())!.AsObject().Select(p => p.Key).Except(notGiven).ToHashSet();
            var mode = result.GetValue(distributed)?.ToLowerInvariant();
            if (mode is not (null or "mpi")) throw new ArborException($"--distributed {mode}: the only engine is mpi");
            using var group = mode is null ? null : Arbor.Distributed.MpiProcessGroup.Join();
            try
            {
                return RunTraining(result, config, result.GetValue(output)!, result.GetValue(force), result.GetValue(resume),
                    DecodingNames.Parse(result.GetValue(decoding)!), given, result.GetValue(tensorBoard), result.GetValue(json),
                    DeviceOption.Get(result, device), group, result.GetValue(logSteps));
            }
            catch (Exception e) when (group is { Size: > 1 })
            {
                // A failing rank ends the whole job: the others would otherwise wait in their next collective.
                int code = ArborCli.Report(e, CommandOutput.Err(result), result.GetValue(GlobalOptions.Verbose));
                group.Abort(code);
                return code;
            }
        });
        return command;
    }

    /// <summary>Runs training with progress on the terminal and a clean stop on Ctrl-C; prints the test table.</summary>
    internal static int RunTraining(ParseResult result, RunConfig config, string runDir, bool force, bool resume, Decoding decoding,
        IReadOnlyCollection<string>? givenOptions = null, bool tensorBoard = false, bool json = false, TorchSharp.torch.Device? device = null,
        Arbor.Distributed.IProcessGroup? group = null, bool logSteps = false)
    {
        var @out = CommandOutput.Out(result);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var report = TrainRun.Run(config, runDir, new TrainRun.Options
            {
                Force = force, Resume = resume, Decoding = decoding, Cancellation = cancel.Token, GivenOptions = givenOptions,
                TensorBoard = tensorBoard, LogSteps = logSteps, Device = device, CommandLine = CommandOutput.CommandLine(result),
                Progress = CommandOutput.Progress(result), Group = group,
            });
            if (group is { Rank: > 0 }) return 0;   // rank 0 prints the results
            if (json) @out.WriteLine(report.ToJson());
            else
            {
                @out.WriteLine(MetricsTable.Format(report));
                @out.WriteLine($"run folder: {Path.GetFullPath(runDir)}");
            }
            return 0;
        }
        catch (OperationCanceledException)
        {
            CommandOutput.Err(result).WriteLine(
                $"stopped: the last completed epoch is saved in {Path.GetFullPath(runDir)}; continue with --resume");
            return ExitCodes.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
