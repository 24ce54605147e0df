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
        var backbone = new Option<string?>("--backbone") { Description = "Backbone: resnet20 | resnet18 (default: the method's)" };
        var clip = new Option<string?>("--clip") { Description = "Hugging Face CLIP folder for hgclip | coop | vpt | ivlp | linear-probe (config.json, model.safetensors, vocab.json, merges.txt)" };
        var clipPreprocess = ClipOptions.Preprocessing();
        var imageEncoder = new Option<string?>("--image-encoder") { Description = $"Pretrained image tower instead of --clip for hgclip | coop | linear-probe: {string.Join(" | ", Arbor.Models.Encoders.EncoderRegistry.ImageNames)}" };
        var textEncoder = new Option<string?>("--text-encoder") { Description = $"Pretrained text tower with --image-encoder: {string.Join(" | ", Arbor.Models.Encoders.EncoderRegistry.TextNames)}" };
        var fineTuneImage = new Option<bool>("--finetune-image") { Description = "Train the --image-encoder tower too (default: frozen, its encodings cached)" };
        var imageSize = new Option<int?>("--image-size") { Description = "Input side in pixels (default: the dataset's own; 224 for pretrained towers, which take multiples of 32 from 64)" };
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
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use at most this many training images (quick runs)" };
        var seed = SharedOptions.Seed();
        var threads = SharedOptions.Threads();
        var decoding = SharedOptions.Decoding();
        var output = SharedOptions.Out("Run folder to create", required: true);
        var force = SharedOptions.Force();
        var json = SharedOptions.Json("Print the test metrics as JSON (metrics.json) instead of a table");
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint (same config)" };
        var tensorBoard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files into <out>/tensorboard" };
        var device = DeviceOption.Create();

        var command = new Command("train", "Train a method on a dataset and write a run folder (metrics.json, config.json, model, log).")
        {
            method, dataset, hierarchy, dataRoot, allowOutside, backbone, clip, clipPreprocess, imageEncoder, textEncoder, fineTuneImage, imageSize, parts, epochs, batch, lr, optimizer, weightDecay, warmup, temperature,
            probeEpochs, valFraction, trainLimit, seed, threads, decoding, output, force, resume, tensorBoard, json, device,
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
                ImageSize = result.GetValue(imageSize),
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
            };
            config = hgclip.Apply(result, contrastive.Apply(result, config));
            return RunTraining(result, config, result.GetValue(output)!, result.GetValue(force), result.GetValue(resume),
                DecodingNames.Parse(result.GetValue(decoding)!), result.GetValue(tensorBoard), result.GetValue(json), DeviceOption.Get(result, device));
        });
        return command;
    }

    /// <summary>Runs training with progress on the terminal and a clean stop on Ctrl-C; prints the test table.</summary>
    internal static int RunTraining(ParseResult result, RunConfig config, string runDir, bool force, bool resume, Decoding decoding,
        bool tensorBoard = false, bool json = false, TorchSharp.torch.Device? device = null)
    {
        var @out = CommandOutput.Out(result);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var report = TrainRun.Run(config, runDir, new TrainRun.Options
            {
                Force = force, Resume = resume, Decoding = decoding, Cancellation = cancel.Token, TensorBoard = tensorBoard, Device = device,
                CommandLine = CommandOutput.CommandLine(result),
                Progress = CommandOutput.Progress(result),
            });
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
