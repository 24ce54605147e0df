using System.CommandLine;
using Arbor.IO;
using Arbor.Models.Clip;
using Arbor.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Cli.Commands;

/// <summary>`arbor clip embed`: CLIP embeddings from tensors on disk, or a similarity table for images and texts.</summary>
internal static class ClipCommand
{
    public static Command Build()
    {
        var command = new Command("clip", "CLIP models: embeddings and image–text similarity.");
        command.Subcommands.Add(BuildEmbed());
        return command;
    }

    static Command BuildEmbed()
    {
        var clip = new Option<string>("--clip") { Description = "Hugging Face CLIP folder (config.json, model.safetensors, vocab.json, merges.txt)", Required = true };
        var pixels = new Option<string?>("--pixels") { Description = "safetensors with float32 pixel_values [B,3,H,W], already normalised" };
        var tokens = new Option<string?>("--tokens") { Description = "safetensors with int64 input_ids [T,L]" };
        var output = new Option<string?>("--out", "-o") { Description = "safetensors to write image_embeds, text_embeds, logits_per_image" };
        var images = new Option<string[]>("--images") { Description = "image files (for a similarity table)", AllowMultipleArgumentsPerToken = true };
        var texts = new Option<string[]>("--texts") { Description = "texts (for a similarity table)", AllowMultipleArgumentsPerToken = true };
        var preprocess = ClipOptions.Preprocessing();
        var precision = PrecisionOption.Create();
        var json = SharedOptions.Json("Print the similarity table as JSON: per image, each text's probability");
        var command = new Command("embed",
            "Embed tensors (--pixels/--tokens → --out: projected image_embeds, text_embeds and logits_per_image), or print " +
            "softmax probabilities of --texts for each of --images.")
        {
            clip, pixels, tokens, output, images, texts, preprocess, json, precision,
        };
        command.SetAction(result =>
        {
            var dir = result.GetValue(clip)!;
            var pixelsPath = result.GetValue(pixels);
            var tokensPath = result.GetValue(tokens);
            var outPath = result.GetValue(output);
            var imageFiles = result.GetValue(images) ?? [];
            var textList = result.GetValue(texts) ?? [];
            bool tensorMode = pixelsPath is not null || tokensPath is not null;
            bool tableMode = imageFiles.Length > 0 || textList.Length > 0;
            if (tensorMode == tableMode)
                throw new ArborException("give either --pixels and/or --tokens with --out, or --images with --texts");
            if (tensorMode)
            {
                if (outPath is null) throw new ArborException("--out is required with --pixels/--tokens");
                EmbedTensors(dir, pixelsPath, tokensPath, outPath, PrecisionOption.Resolve(result, precision));
                CommandOutput.Out(result).WriteLine($"wrote {outPath}");
            }
            else
            {
                if (imageFiles.Length == 0 || textList.Length == 0) throw new ArborException("a similarity table needs both --images and --texts");
                PrintSimilarity(dir, imageFiles, textList, ClipImageProcessor.ParseConvention(result.GetValue(preprocess)!),
                    CommandOutput.Out(result), result.GetValue(json), PrecisionOption.Resolve(result, precision));
            }
            return 0;
        });
        return command;
    }

    static void EmbedTensors(string dir, string? pixelsPath, string? tokensPath, string outPath, PrecisionChoice precision)
    {
        using var scope = torch.NewDisposeScope();
        using var model = ClipModel.Load(dir).CastFrozen(precision.FrozenType);
        using var mode = torch.inference_mode();
        var results = new Dictionary<string, Tensor>();
        Tensor? image = null, text = null;
        if (pixelsPath is not null)
        {
            using var file = SafeTensors.Read(pixelsPath);
            results["image_embeds"] = image = model.EncodeImage(ClipTensorInputs.Pixels(file, pixelsPath, model.Config));
        }
        if (tokensPath is not null)
        {
            using var file = SafeTensors.Read(tokensPath);
            results["text_embeds"] = text = model.EncodeText(ClipTensorInputs.TokenIds(file, tokensPath, model.Config));
        }
        if (image is not null && text is not null) results["logits_per_image"] = model.LogitsPerImage(image, text);
        SafeTensors.Write(outPath, results);
    }

    static void PrintSimilarity(string dir, string[] imageFiles, string[] texts, ClipPreprocessing convention, TextWriter output, bool json,
        PrecisionChoice precision)
    {
        using var scope = torch.NewDisposeScope();
        using var model = ClipModel.Load(dir).CastFrozen(precision.FrozenType);
        var tokenizer = ClipTokenizer.Load(dir);
        var processor = ClipImageProcessor.Load(dir, convention);
        using var mode = torch.inference_mode();
        var pixels = processor.Preprocess(imageFiles);
        var ids = tokenizer.Tokenize(texts);
        var logits = model.LogitsPerImage(model.EncodeImage(pixels), model.EncodeText(ids));
        var probs = logits.softmax(-1);
        if (json)
        {
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(imageFiles.Select((file, i) => new
            {
                image = file,
                probabilities = texts.Select((text, j) => new { text, probability = Math.Round((double)probs[i, j].item<float>(), 6) }),
            }), new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var names = imageFiles.Select(Path.GetFileName).ToArray();
        int first = Math.Max(5, names.Max(n => n!.Length));
        var widths = texts.Select(t => Math.Max(7, t.Length)).ToArray();
        output.WriteLine(string.Join("  ", new[] { "image".PadRight(first) }.Concat(texts.Select((t, j) => t.PadLeft(widths[j])))));
        for (int i = 0; i < names.Length; i++)
        {
            var row = probs[i].data<float>().ToArray();
            output.WriteLine(string.Join("  ", new[] { names[i]!.PadRight(first) }.Concat(row.Select((p, j) => p.ToString("0.0000").PadLeft(widths[j])))));
        }
    }
}
