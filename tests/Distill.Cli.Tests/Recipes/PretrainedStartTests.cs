using Distill.Core.Tests.Teacher.Support;
using Distill.Students;
using Distill.Students.Checkpoints;
using static TorchSharp.torch;

namespace Distill.Cli.Tests.Recipes;

/// <summary>
/// <c>student.init.from</c> naming a pretrained encoder (here a torch.onnx-style export written by the tests, with its
/// vocab.txt beside it): the student starts from its weights, thinned by weight selection when narrower, with a new
/// classifier; and a distillation's label-only students start from the same weights as its distilled ones.
/// </summary>
public sealed class PretrainedStartTests : IDisposable
{
    // A learning rate so small that the trained weights are still the starting ones to 1e-6: what the run started from
    // can then be read from its checkpoints.
    private const string Frozen = "1e-12";

    private readonly RecipeWorkspace _workspace = new(trainRows: 32, devRows: 16);

    public void Dispose() => _workspace.Dispose();

    /// <summary>A 2-layer encoder over the full bert-base-uncased vocabulary, exported as torch.onnx does, without a classifier.</summary>
    private (string Path, Dictionary<string, Tensor> Weights) Encoder()
    {
        manual_seed(17);
        using var model = new TransformerStudent(new TransformerStudentOptions { Layers = 2, Hidden = 32, Heads = 4, Intermediate = 64, MaxPositions = 128 });
        model.eval();
        var folder = _workspace.PathOf("encoder");
        Directory.CreateDirectory(folder);
        BertOnnxGraphs.Write(BertOnnxGraphs.Build(model, new BertGraphStyle { Classifier = false }), Path.Combine(folder, "model.onnx"));
        File.Copy(_workspace.Vocab, Path.Combine(folder, "vocab.txt"));
        return (Path.Combine(folder, "model.onnx"), model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone()));
    }

    private string TeacherRecipe(string student, string learningRate = Frozen) => _workspace.Write("teacher.yaml", $"""
        name: pretrained-teacher
        seeds: [5]
        output: {_workspace.PathOf("runs", "teacher")}
        device: cpu
        data:
          train: data/train.tsv
          dev: data/dev.tsv
        student:
          architecture: transformer
          max_length: 32
        {student}
        training:
          batch_size: 16
        stages:
          - name: fine-tune
            epochs: 1
            learning_rate: {learningRate}
            weight_decay: 0
            losses: [{"{type: ce}"}]
        export:
          path: {_workspace.PathOf("teacher.onnx")}
        """);

    [Fact]
    public void Recipe_Should_StartTheStudentFromThePretrainedEncoder_ThinnedByWeightSelection()
    {
        // Arrange: a student of 1 layer, hidden 16 in 2 heads, intermediate 32, from the encoder's layer 1.
        var (encoder, weights) = Encoder();
        var recipe = TeacherRecipe("""
              hidden: 16
              heads: 2
              intermediate: 32
              pooling: mean
              init:
                from: encoder/model.onnx
                layers: [1]
            """);

        // Act
        var (code, output) = RecipeWorkspace.Run("recipe", recipe);

        // Assert: the notice, the plan's start, and weights that are the encoder's evenly spaced units.
        code.Should().Be(DistillApp.Success, output);
        output.Should().Contain($"student.init: {Path.GetFullPath(encoder)}: 2 layers, hidden 32, parity with ONNX Runtime");
        output.Should().Contain($"students start from pretrained {Path.GetFullPath(encoder)} (layers 1, weight selection to hidden 16, 2 heads, intermediate 32; new classifier; mean pooling)");
        var loaded = StudentCheckpoint.Load(_workspace.PathOf("runs", "teacher", "baseline", "seed-5", "best"));
        using var student = (TransformerStudent)loaded.Model;
        student.Settings.Should().Match<TransformerStudentOptions>(o => o.Layers == 1 && o.Hidden == 16 && o.Heads == 2 && o.Intermediate == 32 && o.Pooling == TransformerPooling.Mean);
        var s = student.state_dict();
        long[] hidden = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30];
        long[] inner = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62];
        MaxDifference(s["bert.embeddings.word_embeddings.weight"], weights["bert.embeddings.word_embeddings.weight"].index_select(1, tensor(hidden))).Should().BeLessThan(1e-6);
        MaxDifference(s["bert.encoder.layer.0.output.dense.weight"],
            weights["bert.encoder.layer.1.output.dense.weight"].index_select(0, tensor(hidden)).index_select(1, tensor(inner))).Should().BeLessThan(1e-6);
        s.Keys.Should().NotContain(k => k.StartsWith("bert.pooler.", StringComparison.Ordinal), "mean pooling has no pooler");
    }

    [Fact]
    public void Recipe_Should_StartDistilledAndLabelOnlyStudentsFromTheSameWeights()
    {
        // Arrange: a teacher fine-tuned from the encoder (for real), then a distillation whose students start from its
        // layer 1 thinned to hidden 16, trained with a learning rate too small to move them.
        Encoder();
        TeacherRecipe("""
              pooling: mean
              init:
                from: encoder/model.onnx
            """, learningRate: "1e-3");
        var recipe = _workspace.Write("distill.yaml", $"""
            name: same-start
            seeds: [1]
            output: {_workspace.PathOf("runs", "distill")}
            device: cpu
            data:
              train: data/train.tsv
              dev: data/dev.tsv
              label_names: [negative, positive]
            teacher:
              model: teacher.onnx
              recipe: teacher.yaml
              vocab: {_workspace.Vocab}
              max_length: 32
            cache:
              dir: {_workspace.PathOf("cache")}
            student:
              architecture: transformer
              layers: 1
              hidden: 16
              heads: 2
              intermediate: 32
              max_positions: 128
              pooling: mean
              init:
                from: teacher
                layers: [1]
            training:
              batch_size: 16
            stages:
              - name: prediction
                epochs: 1
                learning_rate: {Frozen}
                weight_decay: 0
                losses: [{"{type: kd}"}]
            baseline:
              epochs: 1
              learning_rate: {Frozen}
            report:
              bench: false
            """);

        // Act
        var (code, output) = RecipeWorkspace.Run("recipe", recipe);

        // Assert
        code.Should().Be(DistillApp.Success, output);
        output.Should().Contain("teacher layers 1, thinned by weight selection to hidden 16, 2 heads, intermediate 32");
        using var distilled = StudentCheckpoint.Load(_workspace.PathOf("runs", "distill", "distilled", "seed-1", "best")).Model;
        using var baseline = StudentCheckpoint.Load(_workspace.PathOf("runs", "distill", "baseline", "seed-1", "best")).Model;
        var d = distilled.state_dict();
        var b = baseline.state_dict();
        foreach (var key in d.Keys)
        {
            MaxDifference(d[key], b[key]).Should().BeLessThan(1e-6, key);
        }

        File.ReadAllText(_workspace.PathOf("runs", "distill", "report", "report.md")).Should().Contain(
            "- **Start:** teacher layers 1, thinned by weight selection to hidden 16, 2 heads, intermediate 32; the label-only students start from the same weights");
    }

    [Fact]
    public void Recipe_Should_ExitWith2NamingTheKey_When_TheStudentIsWiderThanThePretrainedModel()
    {
        Encoder();
        var recipe = TeacherRecipe("""
              hidden: 64
              heads: 4
              init:
                from: encoder/model.onnx
            """);

        var (code, output) = RecipeWorkspace.Run("recipe", recipe);

        code.Should().Be(2, output);
        output.Should().Contain(
            $"teacher.yaml:11 student.hidden: is 64, more than the pretrained model {Path.GetFullPath(_workspace.PathOf("encoder", "model.onnx"))} has (32); " +
            "a student started from it can be narrower or shallower, not wider");
        Directory.Exists(_workspace.PathOf("runs", "teacher")).Should().BeFalse("nothing is written by a run that fails on its settings");
    }

    // In managed code: the tests must not make temporary Scalars either.
    private static double MaxDifference(Tensor a, Tensor b)
    {
        a.shape.Should().Equal(b.shape);
        var x = a.contiguous().data<float>().ToArray();
        var y = b.contiguous().data<float>().ToArray();
        return x.Zip(y, (p, q) => Math.Abs((double)p - q)).DefaultIfEmpty(0).Max();
    }
}
