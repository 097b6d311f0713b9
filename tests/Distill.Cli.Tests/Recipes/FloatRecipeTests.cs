using System.Globalization;
using System.Text;
using Distill.Export;
using Distill.Students;
using Spectre.Console.Testing;
using static TorchSharp.torch;

namespace Distill.Cli.Tests.Recipes;

/// <summary>A recipe over float features: an MLP student distilled from a tabular ONNX teacher through <c>distill recipe</c>.</summary>
public sealed class FloatRecipeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-cli-float-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Output => Path.Combine(_folder, "runs");

    // Runs a recipe of one seed over train.csv and dev.csv in the folder with the given data, student and losses;
    // the schedule, baseline and outputs are the same for every test here.
    private (int Code, string Output) RunRecipe(string name, string data, string student, string losses)
    {
        static string Indent(string text, int spaces) => string.Join("\n", text.Split('\n').Select(l => new string(' ', spaces) + l));
        var recipe = Path.Combine(_folder, $"{name}.yaml");
        File.WriteAllText(recipe, $"""
            name: {name}
            seeds: [1]
            output: {Output}
            data:
              train: train.csv
              dev: dev.csv
            {Indent(data, 2)}
            teacher:
              model: teacher.onnx
            student:
            {Indent(student, 2)}
            training:
              batch_size: 16
            stages:
              - name: distillation
                epochs: 2
                learning_rate: 1e-2
                losses:
            {Indent(losses, 6)}
            baseline:
              epochs: 2
              learning_rate: 1e-2
            report:
              bench: false
            """);
        var console = new TestConsole().Width(1000);
        var code = DistillApp.Run(["recipe", recipe], console);
        return (code, console.Output);
    }

    // Rows of six features whose class is the sign of f0 + f1.
    private void WriteCsv(string name, int rows, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("label,f0,f1,f2,f3,f4,f5\n");
        for (var i = 0; i < rows; i++)
        {
            var x = Enumerable.Range(0, 6).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
            text.Append(x[0] + x[1] > 0 ? '1' : '0').Append(',').AppendJoin(',', x.Select(v => v.ToString("F4", CultureInfo.InvariantCulture))).Append('\n');
        }

        File.WriteAllText(Path.Combine(_folder, name), text.ToString());
    }

    [Fact]
    public void Recipe_Should_Distil_An_Mlp_From_A_Tabular_Teacher_With_Export_And_Report()
    {
        WriteCsv("train.csv", 160, 1);
        WriteCsv("dev.csv", 40, 2);
        manual_seed(3);
        using (var teacher = new MlpStudentOptions { InputSize = 6, NumLabels = 2, HiddenSizes = [12] }.CreateModel())
        {
            teacher.eval();
            OnnxExporter.Export(teacher, Path.Combine(_folder, "teacher.onnx"));
        }

        var (code, printed) = RunRecipe("tabular",
            "features: f0..f5\nlabel: label",
            "architecture: mlp\nhidden_sizes: [8]",
            "- {type: kd, temperature: 2}\n- {type: ce, weight: 0.5}");

        code.Should().Be(0, printed);
        printed.Should().Contain("distilled, seed 1").And.Contain("labels only, seed 1").And.Contain("ONNX Runtime matches TorchSharp");
        File.Exists(Path.Combine(Output, "student.onnx")).Should().BeTrue();
        File.Exists(Path.Combine(Output, "report", "report.md")).Should().BeTrue();
    }

    [Fact]
    public void Recipe_Should_Distil_An_Image_Cnn_From_A_PyTorch_Style_Cnn_Through_Attention_Transfer()
    {
        var random = new Random(4);
        foreach (var (name, rows) in new[] { ("train.csv", 48), ("dev.csv", 16) })
        {
            var text = new StringBuilder("label," + string.Join(',', Enumerable.Range(0, 784).Select(p => $"p{p}")) + "\n");
            for (var i = 0; i < rows; i++)
            {
                text.Append(i % 10).Append(',').AppendJoin(',', Enumerable.Range(0, 784).Select(_ => random.Next(256))).Append('\n');
            }

            File.WriteAllText(Path.Combine(_folder, name), text.ToString());
        }

        File.WriteAllBytes(Path.Combine(_folder, "teacher.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(Distill.Core.Tests.Teacher.Support.PyTorchCnnOnnx.Simple()));
        var (code, printed) = RunRecipe("image",
            "features: p0..p783\nfeature_shape: [1, 28, 28]\nnormalization: {scale: 0.00392156862745098, mean: [0.5], std: [0.5]}\nlabel: label",
            "architecture: image_cnn\nstage_channels: [4, 8]",
            "- {type: at, weight: 100}\n- {type: kd, temperature: 2}\n- {type: ce, weight: 0.5}");

        code.Should().Be(0, printed);
        printed.Should().Contain("feature_maps.0, feature_maps.1, feature_maps.2").And.Contain("ONNX Runtime matches TorchSharp");
        File.Exists(Path.Combine(Output, "student.onnx")).Should().BeTrue();
        File.ReadAllText(Path.Combine(Output, "report", "report.md")).Should().Contain("100·Σ_stages mean((Q_s/‖Q_s‖ − Q_t/‖Q_t‖)²)", "the report shows the attention-transfer term");
        File.ReadAllLines(Path.Combine(Output, "distilled", "seed-1", "metrics.jsonl")).Should().Contain(l => l.Contains("\"at\":", StringComparison.Ordinal));
    }
}
