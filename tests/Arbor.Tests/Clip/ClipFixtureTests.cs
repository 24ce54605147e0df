using Arbor.IO;
using Arbor.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbor.Tests.Clip;

/// <summary>Exactness against reference outputs of Hugging Face's CLIPModel on the clip-tiny fixture.</summary>
public class ClipFixtureTests
{
    static float MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        return (a - b).abs().max().item<float>();
    }

    [Fact]
    public void ModelMatchesHuggingFaceReference()
    {
        using var scope = NewDisposeScope();
        using var model = ClipModel.Load(TestPaths.Fixture("clip-tiny"));
        using var inputs = SafeTensors.Read(TestPaths.Fixture("clip-tiny", "inputs.safetensors"));
        using var expected = SafeTensors.Read(TestPaths.Fixture("clip-tiny", "expected.safetensors"));
        using var mode = torch.inference_mode();
        var image = model.EncodeImage(inputs["pixel_values"]);
        var text = model.EncodeText(inputs["input_ids"]);
        var logits = model.LogitsPerImage(image, text);
        Assert.True(MaxAbsDiff(image, expected["image_embeds"]) < 1e-5f);
        Assert.True(MaxAbsDiff(text, expected["text_embeds"]) < 1e-5f);
        Assert.True(MaxAbsDiff(logits, expected["logits_per_image"]) < 1e-4f);
    }
}
