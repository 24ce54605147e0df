using System.CommandLine;
using Arbor.Data;
using Arbor.Evaluation;
using Arbor.Experiments;
using Arbor.Experiments.VisionLanguage;
using Arbor.Methods.ZeroShot;
using Arbor.Training;

namespace Arbor.Cli.Commands;

/// <summary>`arbor zeroshot`: CLIP zero-shot classification at every level of a dataset's hierarchy → metrics.json.</summary>
internal static class ZeroShotCommand
{
    public static Command Build()
    {
        var clip = new Option<string>("--clip") { Description = "Hugging Face CLIP folder", Required = true };
        var dataset = SharedOptions.Dataset(required: true);
        var output = SharedOptions.Out("Run folder to write (config.json, hierarchy.json, model.safetensors, metrics.json, confusion.json); `arbor eval` and `arbor predict` take it", required: true);
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

            var options = new ZeroShotOptions
            {
                Templates = templateList,
                Marginalize = result.GetValue(marginalize),
                Scale = result.GetValue(logitScale) ? ZeroShotScale.LogitScale : ZeroShotScale.Hundred,
            };
            // The output folder is a run (config.json, hierarchy.json, an empty model.safetensors): `arbor eval` and
            // `arbor predict` rebuild the same classifier from it.
            var config = ZeroShotModel.WithOptions(new RunConfig
            {
                Method = "zeroshot", Dataset = result.GetValue(dataset)!, ClipPath = result.GetValue(clip)!,
                ClipPreprocessing = result.GetValue(preprocess), BatchSize = batch,
                Precision = PrecisionOption.Resolve(result, precision).Name,
            }, options);
            var splits = TrainRun.OpenData(config, allowStandIn: true);
            if (splits.OpenedAs is { } openedAs) config = config with { Dataset = openedAs };   // what `arbor eval` must reread
            config = VisionLanguageMethods.ResolveInput(config, splits);
            var data = splits.Get(result.GetValue(split)!);
            var hierarchy = splits.Hierarchy;
            using var run = RunFolder.OpenForTraining(result.GetValue(output)!, fresh: true, result.GetValue(force));
            using var model = TrainRun.CreateModel(config, hierarchy);
            var loader = new BatchLoader(data, TrainRun.EvaluationLoaderOptions(config, batch));
            var metrics = Evaluator.Evaluate(model.LevelLogits, loader, hierarchy, decode, CommandOutput.Progress(result), "zero-shot", model.Device);
            var report = metrics.ToReport("zeroshot", config.Dataset, result.GetValue(split)!);
            // Written once the metrics exist, so a failed evaluation leaves no folder that looks finished.
            RunFolder.WriteGuard(run.ConfigFile, () => Arbor.IO.AtomicFile.WriteAllText(run.ConfigFile, config.ToJson()));
            StoredHierarchy.Write(run.HierarchyFile, hierarchy);
            Checkpoint.Save(run.ModelFile, model.Module, TrainRun.IdentityOf(config, hierarchy), configJson: config.ToJson());
            run.Log($"zeroshot: {splits.Description}; evaluated {data.Name}");
            run.Log($"command: {CommandOutput.CommandLine(result)}");
            RunFolder.WriteGuard(run.MetricsFile, () => report.Write(run.MetricsFile));
            ConfusionMatrix.WriteJson(run.File(Reporting.RunPlots.ConfusionFileName), metrics.Confusion);
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
