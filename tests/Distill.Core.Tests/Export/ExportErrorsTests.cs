using Distill.Export.Internal;
using Distill.Students;

namespace Distill.Core.Tests.Export;

public class ExportErrorsTests
{
    [Fact]
    public void SettingFactories_Should_NameTheSettingAndTheValue()
    {
        // Act
        var opset = ExportErrors.OpsetTooLow(13);
        var labels = ExportErrors.LabelCount(2, 3);
        var extras = ExportErrors.UnsupportedExtraOutputs("mlp", Intermediates.AttentionProbabilities, Intermediates.HiddenStates);
        var exists = ExportErrors.FileExists("model.onnx");

        // Assert
        new[] { opset, labels, extras, exists }.Should().OnlyContain(e => e.Kind == DistillErrorKind.InvalidInput);
        opset.Message.Should().Be("export.opset must be >= 17 (was 13): LayerNormalization needs opset 17");
        labels.Message.Should().Be("export labels: 2 names given for a student with 3 labels; give one name per label");
        extras.Message.Should().Be("export.extra_outputs: a mlp student has no AttentionProbabilities to export (it has: HiddenStates)");
        exists.Message.Should().Be("model.onnx: the file exists; choose another path or allow overwriting (OnnxExportOptions.Overwrite)");
    }

    [Fact]
    public void ParityExceeded_Should_BeARunFailure_When_TheExportDisagrees()
    {
        // Act
        var error = ExportErrors.ParityExceeded("model.onnx", 0.0125, 1e-3);

        // Assert
        error.Kind.Should().Be(DistillErrorKind.RunFailed);
        error.Message.Should().Be("model.onnx: ONNX Runtime's logits differ from TorchSharp's by 0.0125 on dev rows (more than 0.001); the export is wrong, please report it");
    }
}
