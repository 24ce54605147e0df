using System.CommandLine;
using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Methods.ZeroShot;
using Arbor.Models.Clip;
using Arbor.Training;
using TorchSharp;

namespace Arbor.Cli.Commands;

/// <summary>`arbor zeroshot`: CLIP zero-shot classification at every level of a dataset's hierarchy → metrics.json.</summary>
internal static class ZeroShotCommand
{
    public static Command Build()
    {
        var clip = new Option<string>("--clip") { Description = "Hugging Face CLIP folder", Required = true };
        var dataset = SharedOptions.Dataset(required: true);
        var output = SharedOptions.Out("Run folder to write metrics.json and confusion.json into", required: true);
        var split = SharedOptions.Split("test");
        var templates = new Option<string?>("--templates") { Description = "file with one prompt template per line ({name} = class name)" };
        var marginalize = new Option<bool>("--marginalize") { Description = "score coarse levels by summing leaf probabilities" };
        var logitScale = new Option<bool>("--logit-scale") { Description = "scale cosines by exp(logit_scale) instead of 100" };
        var decoding = SharedOptions.Decoding();
        var batchSize = SharedOptions.BatchSize("Images per batch (default 32)");
        var force = SharedOptions.Force();
        var json = SharedOptions.Json("Print the metrics as JSON (metrics.json) instead of lines");
        var preprocess = ClipOptions.Preprocessing();
        var precision = PrecisionOption.Create();
        var command = new Command("zeroshot", "CLIP zero-shot classification at every level; writes metrics.json.")
        {
            clip, preprocess, dataset, output, split, templates, marginalize, logitScale, decoding, batchSize, force, json, precision,
        };
        command.SetAction(result =>
        {
            var decode = SharedOptions.ParseDecoding(result, decoding);
            var templateList = ZeroShotOptions.DefaultTemplates;
            if (result.GetValue(templates) is { } templateFile)
            {
                if (!File.Exists(templateFile)) throw new ArborException("templates file not found", templateFile);
                templateList = File.ReadAllLines(templateFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
                if (templateList.Count == 0) throw new ArborException("templates file has no templates", templateFile);
            }
            int batch = result.GetValue(batchSize) ?? 32;
            if (batch <= 0) throw new ArborException("--batch-size must be positive");

            var clipDir = result.GetValue(clip)!;
            var computeIn = PrecisionOption.Resolve(result, precision);
            using var model = ClipModel.Load(clipDir).CastFrozen(computeIn.FrozenType);
            var tokenizer = ClipTokenizer.Load(clipDir);
            var processor = ClipImageProcessor.Load(clipDir, ClipImageProcessor.ParseConvention(result.GetValue(preprocess)!));
            var splits = DatasetCatalog.Open(result.GetValue(dataset)!);
            var data = splits.Get(result.GetValue(split)!);
            using var run = RunFolder.OpenForTraining(result.GetValue(output)!, fresh: true, result.GetValue(force));
            var options = new ZeroShotOptions
            {
                Templates = templateList,
                Marginalize = result.GetValue(marginalize),
                Scale = result.GetValue(logitScale) ? ZeroShotScale.LogitScale : ZeroShotScale.Hundred,
            };
            using var classifier = new ZeroShotClassifier(model, tokenizer, data.Hierarchy, options);
            var loader = new BatchLoader(data, new BatchLoaderOptions
            {
                BatchSize = batch, Shuffle = false, Preprocessor = processor,
            });
            var metrics = new MetricsAccumulator(data.Hierarchy, decode);
            var progress = CommandOutput.Progress(result);
            progress.Start("zero-shot", loader.BatchesPerEpoch);
            int done = 0;
            foreach (var b in loader)
            {
                using (b)
                using (var scope = torch.NewDisposeScope())
                    metrics.Add(classifier.LevelLogits(b.Images), b.Leaves);
                progress.Step(++done);
            }
            var computed = metrics.Compute();
            var report = computed.ToReport("zeroshot", result.GetValue(dataset)!, result.GetValue(split)!);
            RunFolder.WriteGuard(run.MetricsFile, () => report.Write(run.MetricsFile));
            ConfusionMatrix.WriteJson(run.File(Reporting.RunPlots.ConfusionFileName), computed.Confusion);
            var o = CommandOutput.Out(result);
            if (result.GetValue(json))
            {
                o.WriteLine(report.ToJson());
                return 0;
            }
            foreach (var level in report.Levels)
                o.WriteLine($"level {level.Level} ({level.Name}, {level.Classes} classes): top-1 {level.Top1:P2}, top-5 {level.Top5:P2}");
            o.WriteLine($"full path {report.FullPath:P2}, consistency {report.Consistency:P2}; wrote {run.MetricsFile}");
            return 0;
        });
        return command;
    }
}
