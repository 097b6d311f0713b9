using Distill.Core.Tests.Students.Checkpoints;
using Distill.Core.Tests.Teacher.Support;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Teacher;

/// <summary>
/// <see cref="OnnxTransformerImport"/> on graphs written by <see cref="BertOnnxGraphs"/> from a random student in each
/// export style at several shapes: the import must find the student's settings and every weight by the graph's
/// structure, pass its own parity check, and compute what the student computes.
/// </summary>
public sealed class OnnxTransformerImportTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly TransformerStudentOptions[] Shapes =
    [
        new() { Layers = 1, Hidden = 16, Heads = 2, Intermediate = 24, VocabSize = 40, MaxPositions = 20, NumLabels = 2 },
        new() { Layers = 2, Hidden = 24, Heads = 6, Intermediate = 40, VocabSize = 73, MaxPositions = 32, NumLabels = 3 },
        new() { Layers = 3, Hidden = 48, Heads = 4, Intermediate = 96, VocabSize = 120, MaxPositions = 24, NumLabels = 5, LayerNormEps = 1e-5 },
    ];

    // Each style and what the student must be for the graph to compute what it does.
    private static readonly Dictionary<string, (BertGraphStyle Style, Func<TransformerStudentOptions, TransformerStudentOptions> Student)> Styles = new()
    {
        ["torch.onnx 2.x"] = (new BertGraphStyle(), o => o),
        ["torch.onnx 1.x, numbered, every weight anonymous, no classifier"] = (new BertGraphStyle { Naming = GraphNaming.Numbered, AnonymousWeights = true, Classifier = false }, o => o),
        ["transposed MatMul weights, LayerNormalization, Range positions"] = (new BertGraphStyle { Linear = LinearForm.TransposedMatMul, Norm = NormForm.Fused, Positions = PositionForm.Range, AnonymousWeights = true }, o => o),
        ["Gemm rows, LayerNormalization"] = (new BertGraphStyle { Linear = LinearForm.Gemm, Norm = NormForm.Fused, Positions = PositionForm.Range }, o => o),
        ["SkipLayerNormalization, FastGelu"] = (new BertGraphStyle { Norm = NormForm.Skip, Gelu = GeluForm.FastGelu }, o => o with { Activation = TransformerActivation.GeluTanh }),
        ["Gemm rows, SkipLayerNormalization, BiasGelu, numbered"] = (new BertGraphStyle { Linear = LinearForm.Gemm, Norm = NormForm.Skip, Gelu = GeluForm.BiasGelu, Naming = GraphNaming.Numbered }, o => o),
        ["GELU as the tanh formula"] = (new BertGraphStyle { Linear = LinearForm.TransposedMatMul, Gelu = GeluForm.Tanh }, o => o with { Activation = TransformerActivation.GeluTanh }),
        ["scale on Q and K"] = (new BertGraphStyle { Scale = ScaleForm.OnQueryAndKey }, o => o),
        ["non-standard scale on the scores"] = (new BertGraphStyle { ScaleFactor = 0.7 }, o => o),
        ["non-standard scale on Q and K, LayerNormalization"] = (new BertGraphStyle { Scale = ScaleForm.OnQueryAndKey, ScaleFactor = 1.6, Norm = NormForm.Fused }, o => o),
        ["no token_type_ids"] = (new BertGraphStyle { Segments = false }, o => o with { TypeVocabSize = 1 }),
        ["encoder only: no segments, pooler or classifier"] = (new BertGraphStyle { Segments = false, Pooler = false, Classifier = false, Naming = GraphNaming.Numbered }, o => o with { TypeVocabSize = 1 }),
        ["mean pooling and classifier"] = (new BertGraphStyle { Norm = NormForm.Fused }, o => o with { Pooling = TransformerPooling.Mean }),
    };

    public static TheoryData<string, int> StylesAndShapes()
    {
        var data = new TheoryData<string, int>();
        foreach (var style in Styles.Keys)
        {
            for (var shape = 0; shape < Shapes.Length; shape++)
            {
                data.Add(style, shape);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StylesAndShapes))]
    public void Import_Should_ReproduceTheStudent_When_GraphIsWrittenInAnExportStyle(string styleName, int shape)
    {
        // Arrange
        var (style, adapt) = Styles[styleName];
        using var original = Student(adapt(Shapes[shape]), seed: 100 + shape);
        var path = Write(BertOnnxGraphs.Build(original, style));

        // Act
        var imported = OnnxTransformerImport.Import(path, new OnnxTransformerImportOptions { NumLabels = original.Settings.NumLabels });
        using var model = imported.Model;

        // Assert: the settings, every weight, the import's own check, and the module's outputs.
        model.Settings.Should().Be(original.Settings);
        var missing = new List<string>();
        if (original.Settings.Pooling == TransformerPooling.Pooler && !style.Pooler)
        {
            missing.AddRange(["bert.pooler.dense.weight", "bert.pooler.dense.bias"]);
        }

        if (!style.Classifier)
        {
            missing.AddRange(["classifier.weight", "classifier.bias"]);
        }

        imported.Report.Missing.Should().Equal(missing);
        imported.Report.Loaded.Should().Equal(original.state_dict().Keys.Except(missing));
        var folded = style.ScaleFactor != 1 ? new[] { ".attention.self.query.weight", ".attention.self.query.bias" } : [];
        AssertSameWeights(model, original, imported.Report.Loaded, folded);

        imported.Parity!.LargestDifference.Should().BeLessThan(1e-4);
        imported.Parity.HiddenStates.Should().HaveCount(original.Settings.Layers + 1);
        (imported.Parity.Logits is not null).Should().Be(style.Classifier);
        imported.Structure.Should().ContainAll(ExpectedStructure(style));
        if (style.ScaleFactor == 1)
        {
            imported.Structure.Should().NotContain("folded");
        }

        AssertSameOutputs(model, original, compareLogits: style.Classifier, segments: style.Segments);
    }

    [Theory]
    [InlineData(TransformerPooling.Pooler)]
    [InlineData(TransformerPooling.Mean)]
    public void Import_Should_ReadTheLabelsFromMetadata_When_GraphIsDistillsOwnExport(TransformerPooling pooling)
    {
        // Arrange: Distill's exporter writes Gemm rows, Q, K and V as one Gemm split in three, LayerNormalization.
        using var original = Student(Shapes[1] with { Pooling = pooling }, seed: 7);
        var path = _folder["distill.onnx"];
        OnnxExporter.Export(original, path, new OnnxExportOptions { Labels = ["negative", "neutral", "positive"] });

        // Act
        var imported = OnnxTransformerImport.Import(path);
        using var model = imported.Model;

        // Assert
        model.Settings.Should().Be(original.Settings);
        imported.Labels.Should().Equal("negative", "neutral", "positive");
        imported.Report.Missing.Should().BeEmpty();
        AssertSameWeights(model, original, imported.Report.Loaded, []);
        imported.Parity!.Logits.Should().NotBeNull().And.BeLessThan(1e-4);
        imported.Structure.Should().ContainAll("Gemm", "Q, K, V as one projection", "LayerNormalization", "GELU (Erf)");
        AssertSameOutputs(model, original, compareLogits: true, segments: true);
    }

    [Fact]
    public void Import_Should_ReadEachInitializerAtItsOffset_When_WeightsAreStoredAsExternalData()
    {
        // Arrange: every weight of 64 values or more in one side file, each at its own offset.
        using var original = Student(Shapes[1], seed: 8);
        var onnx = BertOnnxGraphs.Build(original, new BertGraphStyle { Naming = GraphNaming.Numbered });
        var moved = BertOnnxGraphs.MoveToExternalData(onnx, _folder.Path, "model.onnx.data", minimumElements: 64);
        var path = Write(onnx);

        // Act
        var imported = OnnxTransformerImport.Import(path);
        using var model = imported.Model;

        // Assert
        moved.Should().BeGreaterThan(10);
        new FileInfo(path).Length.Should().BeLessThan(new FileInfo(_folder["model.onnx.data"]).Length);
        model.Settings.Should().Be(original.Settings);
        AssertSameWeights(model, original, imported.Report.Loaded, []);
        imported.Report.Missing.Should().BeEmpty();
        imported.Parity!.LargestDifference.Should().BeLessThan(1e-4);
    }

    [Fact]
    public void Import_Should_GiveANewClassifierTheOptionsLabels_When_TheGraphHasNone()
    {
        // Arrange
        using var original = Student(Shapes[0], seed: 9);
        var path = Write(BertOnnxGraphs.Build(original, new BertGraphStyle { Classifier = false }));

        // Act
        var imported = OnnxTransformerImport.Import(path, new OnnxTransformerImportOptions { NumLabels = 7 });
        using var model = imported.Model;

        // Assert
        model.Settings.Should().Be(original.Settings with { NumLabels = 7 });
        imported.Report.Missing.Should().Equal("classifier.weight", "classifier.bias");
        imported.Labels.Should().BeNull();
        imported.Parity!.Logits.Should().BeNull();
        AssertSameWeights(model, original, imported.Report.Loaded.Where(k => k.StartsWith("bert.", StringComparison.Ordinal)).ToList(), []);
    }

    // ---------------------------------------------------------------- refusals

    [Fact]
    public void Import_Should_RefuseNamingTheQueryProjection_When_LayersArePreLayerNorm()
    {
        // Arrange
        using var original = Student(Shapes[0], seed: 10);
        var path = Write(BertOnnxGraphs.Build(original, new BertGraphStyle { PreLayerNorm = true }));

        // Act
        var act = () => OnnxTransformerImport.Import(path);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(Refusal(path, "/bert/encoder/layer.0/attention/self/query/MatMul", "MatMul",
            "layer 0 normalises its input before self-attention (a pre-LayerNorm layer), but the transformer student is post-LayerNorm"));
    }

    [Fact]
    public void Import_Should_RefuseNamingTheRelu_When_TheFeedForwardActivationIsRelu()
    {
        // Arrange
        using var original = Student(Shapes[1], seed: 11);
        var path = Write(BertOnnxGraphs.Build(original, new BertGraphStyle { Gelu = GeluForm.Relu }));

        // Act
        var act = () => OnnxTransformerImport.Import(path);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(Refusal(path, "/bert/encoder/layer.0/intermediate/intermediate_act_fn/Relu", "Relu",
            "layer 0: the feed-forward activation (Relu) is not GELU, which the transformer student uses"));
    }

    [Fact]
    public void Import_Should_RefuseNamingTheWordEmbeddingGather_When_TheGraphHasNoLayerNorm()
    {
        // Arrange
        using var original = Student(Shapes[0], seed: 12);
        var path = Write(BertOnnxGraphs.Build(original, new BertGraphStyle { Norm = NormForm.None }));

        // Act
        var act = () => OnnxTransformerImport.Import(path);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(Refusal(path, "/bert/embeddings/word_embeddings/Gather", "Gather", "the graph has no LayerNorm, in any form"));
    }

    [Fact]
    public void Import_Should_RefuseWithTheParity_When_PositionsAreOffsetAsInRoberta()
    {
        // Arrange: position ids start at 2, so the graph reads other rows of its table than the BERT layout does.
        using var original = Student(Shapes[1], seed: 13);
        var path = Write(BertOnnxGraphs.Build(original, new BertGraphStyle { PositionOffset = 2 }));

        // Act
        var act = () => OnnxTransformerImport.Import(path);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(
            $"{path}: the imported module does not reproduce the graph: parity * exceeds 0.001, first at the embeddings' output (per hidden state: *, *, *; logits: *); " +
            "the graph computes something the BERT layout does not (another position scheme, pre-LayerNorm layers, another mask)");
    }

    [Fact]
    public void Import_Should_RefuseNamingTheInputs_When_TheGraphHasNoAttentionMaskInput()
    {
        // Arrange
        using var original = Student(Shapes[0], seed: 14);
        var path = Write(BertOnnxGraphs.Build(original, new BertGraphStyle { MaskInput = false }));

        // Act
        var act = () => OnnxTransformerImport.Import(path);

        // Assert
        act.Should().Throw<DistillException>().WithMessage(Refusal(path, null, null, "the graph has no attention mask input (inputs: input_ids, token_type_ids)"));
    }

    // ---------------------------------------------------------------- helpers

    private static string Refusal(string path, string? node, string? op, string reason) =>
        $"{path}: cannot map the graph onto a BERT-layout encoder{(node is null ? string.Empty : $" at node '{node}' ({op})")}: {reason}; " +
        "Distill imports post-LayerNorm BERT-family encoders (BERT, MiniLM, TinyBERT) from ONNX; load other teachers from a checkpoint (model.safetensors with its config.json)";

    private string Write(Onnx.ModelProto onnx)
    {
        var path = _folder["model.onnx"];
        BertOnnxGraphs.Write(onnx, path);
        return path;
    }

    /// <summary>
    /// A random student in evaluation mode whose LayerNorm weights are random too (a LayerNorm read from the wrong place
    /// would otherwise still be ones and zeros); without segments its one segment row is zero, as the graph adds none.
    /// </summary>
    private static TransformerStudent Student(TransformerStudentOptions options, int seed)
    {
        manual_seed(seed);
        var student = new TransformerStudent(options);
        var random = new Random(seed);
        using (no_grad())
        {
            foreach (var (key, parameter) in student.state_dict())
            {
                var count = (int)parameter.numel();
                float[]? values = key.Contains("LayerNorm.weight", StringComparison.Ordinal) ? Enumerable.Range(0, count).Select(_ => 0.5f + random.NextSingle()).ToArray()
                    : key.Contains("LayerNorm.bias", StringComparison.Ordinal) ? Enumerable.Range(0, count).Select(_ => random.NextSingle() - 0.5f).ToArray()
                    : key == "bert.embeddings.token_type_embeddings.weight" && options.TypeVocabSize == 1 ? new float[count]
                    : null;
                if (values is not null)
                {
                    using var source = tensor(values, parameter.shape);
                    parameter.copy_(source);
                }
            }
        }

        student.eval();
        return student;
    }

    private static IEnumerable<string> ExpectedStructure(BertGraphStyle style)
    {
        yield return style.Linear switch
        {
            LinearForm.MatMul => "MatMul",
            LinearForm.TransposedMatMul => "MatMul (weights transposed in the graph)",
            _ => "Gemm",
        };
        yield return style.Norm switch
        {
            NormForm.Decomposed => "LayerNorm (decomposed)",
            NormForm.Fused => "LayerNormalization",
            _ => "SkipLayerNormalization",
        };
        yield return style.Gelu switch
        {
            GeluForm.Erf => "GELU (Erf)",
            GeluForm.Tanh => "GELU (Tanh)",
            GeluForm.FastGelu => "GELU (FastGelu)",
            _ => "GELU (BiasGelu)",
        };
        if (style.ScaleFactor != 1)
        {
            yield return "attention scale folded into Q";
        }
    }

    /// <summary>Every loaded weight equals the original's: exactly, or within 1e-6 where a scale was folded in.</summary>
    private static void AssertSameWeights(TransformerStudent actual, TransformerStudent expected, IReadOnlyCollection<string> keys, string[] foldedSuffixes)
    {
        keys.Should().NotBeEmpty();
        var mine = actual.state_dict();
        var theirs = expected.state_dict();
        foreach (var key in keys)
        {
            mine[key].shape.Should().Equal(theirs[key].shape, key);
            var a = Tensors.Values(mine[key]);
            var b = Tensors.Values(theirs[key]);
            var largest = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
            largest.Should().BeLessThanOrEqualTo(foldedSuffixes.Any(s => key.EndsWith(s, StringComparison.Ordinal)) ? 1e-6 : 0, key);
        }
    }

    /// <summary>The two modules give the same hidden states (and logits) on a padded batch.</summary>
    private static void AssertSameOutputs(TransformerStudent actual, TransformerStudent expected, bool compareLogits, bool segments)
    {
        const int sequence = 12;
        int[] lengths = [12, 7, 3];
        var random = new Random(3);
        var ids = new long[lengths.Length * sequence];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        for (var b = 0; b < lengths.Length; b++)
        {
            for (var t = 0; t < lengths[b]; t++)
            {
                ids[(b * sequence) + t] = random.Next(1, expected.Settings.VocabSize);
                mask[(b * sequence) + t] = 1;
                types[(b * sequence) + t] = segments && t >= lengths[b] / 2 ? 1 : 0;
            }
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = new StudentInput
        {
            InputIds = tensor(ids, [lengths.Length, sequence]),
            AttentionMask = tensor(mask, [lengths.Length, sequence]),
            TokenTypeIds = tensor(types, [lengths.Length, sequence]),
            Capture = Intermediates.HiddenStates,
        };
        var mine = actual.call(input);
        var theirs = expected.call(input);
        mine.HiddenStates!.Should().HaveCount(theirs.HiddenStates!.Count);
        for (var i = 0; i < theirs.HiddenStates.Count; i++)
        {
            Largest(mine.HiddenStates[i], theirs.HiddenStates[i]).Should().BeLessThan(1e-5, $"hidden state {i}");
        }

        if (compareLogits)
        {
            Largest(mine.Logits, theirs.Logits).Should().BeLessThan(1e-5, "logits");
        }
    }

    private static double Largest(Tensor a, Tensor b) => Tensors.Values(a).Zip(Tensors.Values(b), (x, y) => Math.Abs(x - y)).Max();
}
