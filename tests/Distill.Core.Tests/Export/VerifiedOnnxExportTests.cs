using Distill.Export;
using Distill.Students;
using Distill.Text;
using Distill.Training;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Export;

public sealed class VerifiedOnnxExportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-verified-export-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Rows of different lengths, so the check runs a padded batch.
    private static List<StudentExample> Examples() => Enumerable.Range(0, 6).Select(i =>
    {
        var ids = Enumerable.Range(0, 3 + i).Select(t => (long)(2 + ((t * 7) + i) % 40)).ToArray();
        return new StudentExample(i, 0, new EncodedText(ids, new long[ids.Length], false), null, i % 2);
    }).ToList();

    [Fact]
    public void Export_Should_Write_The_File_In_A_New_Folder_And_Measure_Its_Parity()
    {
        manual_seed(3);
        using var student = new BiLstmStudentOptions { VocabSize = 50, EmbeddingDim = 8, HiddenSize = 6, MlpHidden = 5, NumLabels = 2 }.CreateModel();
        var path = Path.Combine(_folder, "nested", "student.onnx");

        var result = VerifiedOnnxExport.Export(student, path, new OnnxExportOptions { Labels = ["negative", "positive"] }, Examples());

        File.Exists(path).Should().BeTrue();
        result.Path.Should().Be(path);
        result.Rows.Should().Be(6);
        result.LargestDifference.Should().BeLessThan(1e-5, "float32 kernels that sum in another order differ by far less than the limit");
        result.LargestDifference.Should().Be(OnnxParity.MaxAbsoluteDifference(student, path, Examples()));
        VerifiedOnnxExport.ParityLimit.Should().Be(1e-3);
    }

    [Fact]
    public void Parity_Should_Find_A_File_That_Is_Not_The_Students_Export()
    {
        manual_seed(3);
        using var student = new BiLstmStudentOptions { VocabSize = 50, EmbeddingDim = 8, HiddenSize = 6, MlpHidden = 5, NumLabels = 2 }.CreateModel();
        manual_seed(4);
        using var other = new BiLstmStudentOptions { VocabSize = 50, EmbeddingDim = 8, HiddenSize = 6, MlpHidden = 5, NumLabels = 2 }.CreateModel();
        var path = Path.Combine(_folder, "other.onnx");
        OnnxExporter.Export(other, path);

        OnnxParity.MaxAbsoluteDifference(student, path, Examples()).Should().BeGreaterThan(VerifiedOnnxExport.ParityLimit,
            "the check compares logits, so another model's file must fail it");
    }

    [Fact]
    public void Export_Should_Check_Float_Students_On_Their_Features()
    {
        var random = new Random(5);
        List<StudentExample> Rows(int width) => Enumerable.Range(0, 5)
            .Select(i => new StudentExample(i, 0, null, Enumerable.Range(0, width).Select(_ => (float)random.NextDouble()).ToArray(), -1)).ToList();
        manual_seed(4);
        using var mlp = new MlpStudentOptions { InputSize = 6, NumLabels = 3, HiddenSizes = [5] }.CreateModel();
        using var cnn = new ImageCnnStudentOptions { InputChannels = 1, StageChannels = [4, 8], NumLabels = 3 }.CreateModel();

        var mlpResult = VerifiedOnnxExport.Export(mlp, Path.Combine(_folder, "mlp.onnx"), new OnnxExportOptions(), Rows(6));
        var cnnResult = VerifiedOnnxExport.Export(cnn, Path.Combine(_folder, "cnn.onnx"), new OnnxExportOptions(), Rows(64), featureShape: [1, 8, 8]);

        mlpResult.LargestDifference.Should().BeLessThan(1e-5);
        cnnResult.LargestDifference.Should().BeLessThan(1e-5);
        cnnResult.Rows.Should().Be(5);
        manual_seed(5);
        using var other = new MlpStudentOptions { InputSize = 6, NumLabels = 3, HiddenSizes = [5] }.CreateModel();
        OnnxParity.MaxAbsoluteDifference(other, Path.Combine(_folder, "mlp.onnx"), Rows(6)).Should().BeGreaterThan(VerifiedOnnxExport.ParityLimit);
    }
}
