using Distill.Core.Tests.Students;
using Distill.Core.Tests.Teacher.Support;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace Distill.Core.Tests.Teacher;

/// <summary>Feature-map taps found by structure on CNN graphs written as PyTorch exports them, checked by running them.</summary>
public class FeatureMapTapsTests
{
    [Fact]
    public void Inspect_Should_Find_The_End_Of_Each_Stage_Of_A_PyTorch_Style_Cnn()
    {
        var inspection = TeacherGraph.Inspect(PyTorchCnnOnnx.Simple(), "cnn.onnx");

        inspection.Layers.Should().BeEmpty();
        inspection.Logits.Should().Be("logits");
        inspection.FeatureMaps.Select(m => (m.Index, m.TensorName, m.EndsAt, m.DescribeShape())).Should().Equal(
            (0, "/relu/Relu_output_0", "MaxPool /pool/MaxPool", "[?, 16, 28, 28]"),
            (1, "/relu_1/Relu_output_0", "MaxPool /pool_1/MaxPool", "[?, 32, 14, 14]"),
            (2, "/pool_1/MaxPool_output_0", "Reshape /Reshape", "[?, 32, 7, 7]"));
        inspection.ToString().Should().Contain("taps: 3 feature maps (the end of each CNN stage)")
            .And.Contain("feature_maps[1]  /relu_1/Relu_output_0     [?, 32, 14, 14]  before MaxPool /pool_1/MaxPool");
    }

    [Fact]
    public void Inspect_Should_Skip_The_Input_And_End_Stages_At_Strided_Convolutions_And_Global_Pooling()
    {
        var inspection = TeacherGraph.Inspect(PyTorchCnnOnnx.Residual(), "resnet.onnx");

        inspection.FeatureMaps.Select(m => (m.TensorName, m.EndsAt, m.DescribeShape())).Should().Equal(
            ("/layer1/Add_output_0", "Conv /layer2/conv/Conv", "[?, 8, 16, 16]"),
            ("/layer2/relu/Relu_output_0", "GlobalAveragePool /avgpool/GlobalAveragePool", "[?, 16, 8, 8]"));
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("residual")]
    public void The_Shapes_Found_Should_Be_The_Shapes_Onnx_Runtime_Computes(string which)
    {
        var model = which == "simple" ? PyTorchCnnOnnx.Simple() : PyTorchCnnOnnx.Residual();
        var maps = TeacherGraph.Inspect(model, which).FeatureMaps;
        maps.Should().NotBeEmpty();
        var edited = TeacherGraph.WithOutputs(model, maps.Select(m => m.TensorName));
        var input = model.Graph.Input[0].Type.TensorType.Shape.Dim.Skip(1).Select(d => (int)d.DimValue).ToArray();

        using var session = new InferenceSession(edited.ToByteArray());
        var values = new DenseTensor<float>([2, .. input]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", values)]);

        foreach (var map in maps)
        {
            var actual = results.Single(r => r.Name == map.TensorName).AsTensor<float>().Dimensions.ToArray();
            actual.Should().Equal([2, .. map.Shape.Skip(1).Select(d => (int)d!.Value)], map.TensorName);
        }
    }

    [Fact]
    public void Inspect_Should_Find_No_Feature_Maps_Without_A_4D_Float_Input()
    {
        TorchSharp.torch.manual_seed(2);
        using var mlp = new MlpStudent(StudentFixtures.SmallMlp());

        var inspection = TeacherGraph.Inspect(OnnxExporter.ToModel(mlp), "mlp.onnx");

        inspection.FeatureMaps.Should().BeEmpty();
        inspection.ToString().Should().EndWith("taps: none (no attention Softmax of Q·Kᵀ that feeds a MatMul with V, and no 4-D feature maps)");
    }

    [Fact]
    public void Load_Should_Name_The_Feature_Maps_There_Are_When_Asked_For_One_That_Is_Not()
    {
        var folder = Directory.CreateTempSubdirectory("distill-feature-maps-").FullName;
        try
        {
            var path = Path.Combine(folder, "cnn.onnx");
            File.WriteAllBytes(path, PyTorchCnnOnnx.Simple().ToByteArray());

            var load = () => OnnxTeacher.Load(path, new OnnxTeacherOptions { FeatureMaps = [3] });
            load.Should().Throw<DistillException>().WithMessage($"{path}: feature map 3 does not exist; the teacher has feature maps 0 to 2 (distill inspect lists them)");

            using var teacher = OnnxTeacher.Load(path, new OnnxTeacherOptions { FeatureMaps = [1] });
            teacher.FeatureMapOutput(1).Should().Be("/relu_1/Relu_output_0");
            var unasked = () => teacher.FeatureMapOutput(0);
            unasked.Should().Throw<DistillException>().WithMessage($"{path}: feature map 0 was not added; list it in the teacher's feature maps");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
