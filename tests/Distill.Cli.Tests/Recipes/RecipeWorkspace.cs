using Distill.Export;
using Distill.Students;
using Distill.TestSupport;
using Spectre.Console.Testing;
using static TorchSharp.torch;

namespace Distill.Cli.Tests.Recipes;

/// <summary>
/// A temporary folder for recipe runs: the first rows of SST-2 as train and dev files, a small BERT-layout teacher
/// with random weights exported by Distill (or a teacher recipe that trains one), and recipes written into it. Every
/// output (runs, caches) stays inside the folder.
/// </summary>
public sealed class RecipeWorkspace : IDisposable
{
    public RecipeWorkspace(int trainRows = 96, int devRows = 48)
    {
        Root = Directory.CreateTempSubdirectory("distill-cli-recipe-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "data"));
        var train = File.ReadLines(SharedData.Path("sst2", "train.tsv")).ToList();
        File.WriteAllLines(PathOf("data", "train.tsv"), train.Take(trainRows + 1));
        File.WriteAllLines(PathOf("data", "dev.tsv"), File.ReadLines(SharedData.Path("sst2", "dev.tsv")).Take(devRows + 1));
        Vocab = SharedData.Path("vocab", "bert-base-uncased.txt");
    }

    public string Root { get; }

    public string Vocab { get; }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Exports a 2-layer transformer with random weights as the teacher and returns its path.</summary>
    public string ExportTeacher(string name = "teacher.onnx")
    {
        manual_seed(3);
        using var model = new TransformerStudent(new TransformerStudentOptions { Layers = 2, Hidden = 32, Heads = 4, Intermediate = 64, MaxPositions = 128 });
        model.eval();
        var path = PathOf(name);
        OnnxExporter.Export(model, path);
        return path;
    }

    /// <summary>
    /// A distillation recipe: the teacher at <c>teacher.onnx</c> (trained by <c>teacher.yaml</c> when absent), a
    /// 1-layer student, attention and hidden-state terms then KD, a baseline, two seeds, outputs under the folder.
    /// </summary>
    public string DistillationRecipe(string fileName = "distill.yaml", string extra = "") => Write(fileName, $"""
        name: tiny-distillation
        seeds: [1, 2]
        output: {PathOf("runs", "tiny")}
        device: cpu
        data:
          train: data/train.tsv
          dev: data/dev.tsv
          label_names: [negative, positive]
        teacher:
          model: teacher.onnx
          recipe: teacher.yaml
          vocab: {Vocab}
          max_length: 64
        cache:
          dir: {PathOf("cache")}
          rows_per_shard: 64
        student:
          architecture: transformer
          layers: 1
          hidden: 16
          heads: 4
          intermediate: 32
          max_positions: 128
        training:
          batch_size: 16
          checkpoint_every: 5
        stages:
          - name: intermediate
            epochs: 1
            learning_rate: 1e-3
            losses:
              - type: attention_mse
                attention: probabilities
              - type: hidden_mse
          - name: prediction
            epochs: 1
            learning_rate: 1e-3
            losses:
              - type: kd
                temperature: 2
              - type: ce
        baseline:
          epochs: 2
          learning_rate: 1e-3
        report:
          bench_sequence: 16
        {extra}
        """);

    /// <summary>The teacher's recipe: a 2-layer transformer on the labels, exported to wherever the distillation recipe asks.</summary>
    public string TeacherRecipe() => Write("teacher.yaml", $"""
        name: tiny-teacher
        seeds: [7]
        output: {PathOf("runs", "teacher")}
        device: cpu
        data:
          train: data/train.tsv
          dev: data/dev.tsv
        student:
          architecture: transformer
          vocab: {Vocab}
          max_length: 64
          layers: 2
          hidden: 32
          heads: 4
          intermediate: 64
          max_positions: 128
        training:
          batch_size: 16
        stages:
          - name: labels
            epochs: 1
            learning_rate: 1e-3
            losses: [{"{type: ce}"}]
        export:
          path: {PathOf("elsewhere.onnx")}
        """);

    public string Write(string fileName, string text)
    {
        var path = PathOf(fileName);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Runs the command line in this process, with the folder as the working directory's stand-in for outputs.</summary>
    public static (int Code, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(2000);
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    /// <summary>Runs the command line against a console that claims to be an interactive ANSI terminal (progress bars).</summary>
    public static (int Code, string Output) RunOnTerminal(params string[] args)
    {
        var console = new TestConsole().Width(2000).Interactive().EmitAnsiSequences();
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
