using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>Options every command that feeds images to CLIP shares.</summary>
static class ClipOptions
{
    /// <summary><c>--clip-preprocess hf|openai</c>: which reference's image preprocessing to reproduce.</summary>
    public static Option<string> Preprocessing() => new("--clip-preprocess")
    {
        Description = "CLIP image preprocessing: hf (Hugging Face CLIPImageProcessor) | openai (OpenAI clip/torchvision: " +
                      "rounded crop offset, RGBA resized premultiplied) | stretch (the HGCLIP reference code: bilinear resize to " +
                      "the model's size, ImageNet mean/std; train's --recipe reference picks it)",
        DefaultValueFactory = _ => "hf",
    };
}
