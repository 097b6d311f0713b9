using Distill.Core.Tests.Export.Support;
using Microsoft.ML.OnnxRuntime;
using static Distill.Core.Tests.Export.Support.TinyOnnxModel;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Core.Tests.Export;

public sealed class OnnxNodeRunnerTests : IDisposable
{
    private const float Tolerance = 1e-5f;

    private const long TwoTo53 = 1L << 53;

    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("distill-ort-node-tests-");

    public void Dispose() => folder.Delete(recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Run_Should_MatchDotNetAndHandComputedValues_When_MatMulAddRunsOnAnyBatchSize(int batch)
    {
        // Arrange
        var model = WriteMatMulAddModel();
        float[] rows = [1, 0, -1, 0.5f, 2, 1, -1, 1, 0.25f];
        var inputs = new Dictionary<string, NodeInput> { ["x"] = NodeInput.Float32(rows[..(3 * batch)], batch, 3) };
        // x·W + b, with W = [1 2; 3 4; 5 6] and b = [0.5, -1], worked by hand row by row.
        float[] expected = [-3.5f, -5, 12, 14, 3.75f, 2.5f];

        // Act
        var node = OnnxNodeRunner.Run(model, inputs, ["y"]);
        var dotnet = RunInDotNet(model, inputs, "y");

        // Assert
        node["y"].Dims.Should().Equal(batch, 2);
        node["y"].Data.Should().Equal(expected[..(2 * batch)], (a, b) => Math.Abs(a - b) <= Tolerance);
        dotnet["y"].Dims.Should().Equal(node["y"].Dims);
        dotnet["y"].Data.Should().Equal(node["y"].Data, (a, b) => Math.Abs(a - b) <= Tolerance);
    }

    [Fact]
    public void Run_Should_MatchDotNetAndHandComputedValues_When_Int64TokenIdsGatherEmbeddings()
    {
        // Arrange
        var model = WriteEmbeddingModel();
        var inputs = new Dictionary<string, NodeInput>
        {
            ["input_ids"] = NodeInput.Int64([4, 0, 2, 1, 1, 3], 2, 3),
        };
        // Row i of the table is [i, 10i, 0.5 - i]; these are rows 4, 0, 2 and 1, 1, 3.
        float[] expected = [4, 40, -3.5f, 0, 0, 0.5f, 2, 20, -1.5f, 1, 10, -0.5f, 1, 10, -0.5f, 3, 30, -2.5f];

        // Act
        var node = OnnxNodeRunner.Run(model, inputs);
        var dotnet = RunInDotNet(model, inputs, "embeddings");

        // Assert
        node.Keys.Should().Equal("embeddings");
        node["embeddings"].Dims.Should().Equal(2, 3, 3);
        node["embeddings"].Data.Should().Equal(expected, (a, b) => Math.Abs(a - b) <= Tolerance);
        dotnet["embeddings"].Dims.Should().Equal(node["embeddings"].Dims);
        dotnet["embeddings"].Data.Should().Equal(node["embeddings"].Data, (a, b) => Math.Abs(a - b) <= Tolerance);
    }

    [Fact]
    public void Run_Should_PassInt64ValuesExactly_When_TheyAreBeyondWhatADoubleHolds()
    {
        // Arrange: out = float(ids - 2^53). A value sent as a JSON number would reach node rounded to a double,
        // and 2^53 + 1 would come out as 0 instead of 1. 2^53 - 7 still fits a double, so it goes as a number.
        var model = WriteOffsetModel();
        var inputs = new Dictionary<string, NodeInput>
        {
            ["ids"] = NodeInput.Int64([TwoTo53 + 1, TwoTo53 + 3, TwoTo53 - 7], 3),
        };

        // Act
        var node = OnnxNodeRunner.Run(model, inputs);
        var dotnet = RunInDotNet(model, inputs, "out");

        // Assert: "diff" is the same difference as an int64 output, which comes back as float32 since it is small.
        node["out"].Data.Should().Equal(1, 3, -7);
        node["diff"].Data.Should().Equal(1, 3, -7);
        dotnet["out"].Data.Should().Equal(node["out"].Data);
    }

    [Fact]
    public void Run_Should_ThrowRatherThanRound_When_AnInt64OutputIsPastWhatFloat32HoldsExactly()
    {
        // Arrange: diff = 2^24 + 1, the first integer float32 cannot hold.
        var model = WriteOffsetModel();
        var inputs = new Dictionary<string, NodeInput> { ["ids"] = NodeInput.Int64([TwoTo53 + (1 << 24) + 1], 1) };

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs, ["diff"]);

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("output 'diff' is int64 and [0] = 16777217, which float32 cannot hold exactly*");
    }

    [Fact]
    public void Run_Should_ReturnEveryOutput_When_NoOutputIsNamed_And_OnlyTheNamedOnes_When_SomeAre()
    {
        // Arrange
        var model = WriteMatMulAddModel();
        var inputs = new Dictionary<string, NodeInput> { ["x"] = NodeInput.Float32([1, 0, -1], 1, 3) };

        // Act
        var all = OnnxNodeRunner.Run(model, inputs);
        var named = OnnxNodeRunner.Run(model, inputs, ["xw"]);

        // Assert: x·W = [1 - 5, 2 - 6] before the bias.
        all.Keys.Should().BeEquivalentTo("xw", "y");
        named.Keys.Should().Equal("xw");
        named["xw"].Data.Should().Equal(-4, -4);
    }

    [Fact]
    public void Run_Should_CarryNaNAndInfinitiesBothWays_When_JsonHasNoNumbersForThem()
    {
        // Arrange: y = x·W + b keeps NaN and infinities from x in the columns they reach.
        var model = WriteMatMulAddModel();
        var inputs = new Dictionary<string, NodeInput>
        {
            ["x"] = NodeInput.Float32([float.NaN, 0, 0, float.PositiveInfinity, 0, 0, float.NegativeInfinity, 0, 0], 3, 3),
        };

        // Act
        var node = OnnxNodeRunner.Run(model, inputs, ["y"]);

        // Assert
        node["y"].Data.Should().Equal(float.NaN, float.NaN, float.PositiveInfinity, float.PositiveInfinity,
            float.NegativeInfinity, float.NegativeInfinity);
    }

    [Fact]
    public void Run_Should_ThrowNamingTheInput_When_TheModelHasNoSuchInput()
    {
        // Arrange
        var model = WriteMatMulAddModel();
        var inputs = new Dictionary<string, NodeInput>
        {
            ["x"] = NodeInput.Float32([1, 2, 3], 1, 3),
            ["attention_mask"] = NodeInput.Int64([1, 1, 1], 1, 3),
        };

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs);

        // Assert
        act.Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("no input 'attention_mask'").And.Contain("its inputs: x").And.NotContain("\n");
    }

    [Fact]
    public void Run_Should_ThrowNamingBothDtypes_When_TheInputDtypeIsNotTheModels()
    {
        // Arrange
        var model = WriteEmbeddingModel();
        var inputs = new Dictionary<string, NodeInput> { ["input_ids"] = NodeInput.Float32([1, 2], 1, 2) };

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs);

        // Assert
        act.Should().Throw<InvalidOperationException>()
            .WithMessage("*input 'input_ids': the job gives float32 but the model declares int64*");
    }

    [Fact]
    public void Run_Should_ThrowNamingTheOutput_When_TheModelHasNoSuchOutput()
    {
        // Arrange
        var model = WriteMatMulAddModel();
        var inputs = new Dictionary<string, NodeInput> { ["x"] = NodeInput.Float32([1, 2, 3], 1, 3) };

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs, ["logits"]);

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("*no output(s) 'logits'*its outputs: y, xw*");
    }

    [Fact]
    public void Run_Should_ThrowWithOnnxRuntimesMessageOnOneLine_When_TheRunFailsInsideTheRuntime()
    {
        // Arrange: the table has 5 rows, so token id 7 is out of range, which only the runtime itself notices.
        var model = WriteEmbeddingModel();
        var inputs = new Dictionary<string, NodeInput> { ["input_ids"] = NodeInput.Int64([7], 1, 1) };

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs);

        // Assert
        act.Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("run failed").And.Contain("idx=7").And.NotContain("\n").And.NotContain("\u001b");
    }

    [Fact]
    public void Float32_Should_Throw_When_DimsDoNotHoldTheData()
    {
        // Act
        var act = () => NodeInput.Float32([1, 2, 3, 4, 5], 2, 3);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("dims [2, 3] hold 6 values but the data has 5*");
    }

    [Fact]
    public void Run_Should_ThrowSayingModelNotFound_When_TheModelFileIsMissing()
    {
        // Arrange
        var missing = Path.Combine(folder.FullName, "missing.onnx");
        var inputs = new Dictionary<string, NodeInput> { ["x"] = NodeInput.Float32([1], 1) };

        // Act
        var act = () => OnnxNodeRunner.Run(missing, inputs);

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage($"*model not found: {missing}*");
    }

    [Fact]
    public void Run_Should_ThrowSayingToInstallNodeAndNpm_When_NodeCannotBeStarted()
    {
        // Arrange
        var model = WriteMatMulAddModel();
        var inputs = new Dictionary<string, NodeInput> { ["x"] = NodeInput.Float32([1, 2, 3], 1, 3) };
        var noNode = Path.Combine(folder.FullName, "no-such-node");

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs, null, OnnxNodeRunner.DefaultTimeout, noNode, OnnxNodeRunner.ToolDirectory);

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage($"cannot start '{noNode}'*install Node.js and npm*");
    }

    [Fact]
    public void Run_Should_ThrowSayingToInstallNodeAndNpm_When_TheToolFolderHasNoOnnxRuntimeNode()
    {
        // Arrange: a tool folder without node_modules, as on a clone built without npm on PATH.
        var model = WriteMatMulAddModel();
        var inputs = new Dictionary<string, NodeInput> { ["x"] = NodeInput.Float32([1, 2, 3], 1, 3) };

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs, null, OnnxNodeRunner.DefaultTimeout, "node", folder.FullName);

        // Assert
        act.Should().Throw<InvalidOperationException>()
            .WithMessage($"onnxruntime-node is not installed in {folder.FullName}*install Node.js and npm*npm ci --ignore-scripts*");
    }

    [Fact]
    public void Run_Should_StopNodeAndThrow_When_TheTimeoutPasses()
    {
        // Arrange: node needs far more than a millisecond just to start.
        var model = WriteMatMulAddModel();
        var inputs = new Dictionary<string, NodeInput> { ["x"] = NodeInput.Float32([1, 2, 3], 1, 3) };

        // Act
        var act = () => OnnxNodeRunner.Run(model, inputs, timeout: TimeSpan.FromMilliseconds(1));

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("*did not finish*within 0.001 s and was stopped*");
    }

    [Fact]
    public void RepositoryRoot_Should_BeTheFolderWithDistillSln_When_FoundFromTheTestOutput()
    {
        // Act
        var root = OnnxNodeRunner.RepositoryRoot;

        // Assert
        File.Exists(Path.Combine(root, "Distill.sln")).Should().BeTrue();
        File.Exists(Path.Combine(OnnxNodeRunner.ToolDirectory, "run.mjs")).Should().BeTrue();
        AppContext.BaseDirectory.Should().StartWith(root);
    }

    /// <summary>y = x·W + b with x [batch, 3], W = [1 2; 3 4; 5 6], b = [0.5, -1]; x·W is an output too, as "xw".</summary>
    private string WriteMatMulAddModel() =>
        Write(Model("matmul_add",
            [Node("MatMul", ["x", "W"], ["xw"]), Node("Add", ["xw", "b"], ["y"])],
            [Tensor("x", DataType.Float, "batch", 3L)],
            [Tensor("y", DataType.Float, "batch", 2L), Tensor("xw", DataType.Float, "batch", 2L)],
            [FloatInitializer("W", [1, 2, 3, 4, 5, 6], 3, 2), FloatInitializer("b", [0.5f, -1], 2)]),
            Path.Combine(folder.FullName, "matmul_add.onnx"));

    /// <summary>embeddings = table[input_ids] with a [5, 3] table whose row i is [i, 10i, 0.5 - i], as token ids use it.</summary>
    private string WriteEmbeddingModel() =>
        Write(Model("embedding",
            [Node("Gather", ["table", "input_ids"], ["embeddings"], IntAttribute("axis", 0))],
            [Tensor("input_ids", DataType.Int64, "batch", "sequence")],
            [Tensor("embeddings", DataType.Float, "batch", "sequence", 3L)],
            [FloatInitializer("table", Enumerable.Range(0, 5).SelectMany(i => new[] { i, 10f * i, 0.5f - i }).ToArray(), 5, 3)]),
            Path.Combine(folder.FullName, "embedding.onnx"));

    /// <summary>diff = ids - 2^53 (int64) and out = float(diff), on int64 ids of any length.</summary>
    private string WriteOffsetModel() =>
        Write(Model("offset",
            [Node("Sub", ["ids", "offset"], ["diff"]), Node("Cast", ["diff"], ["out"], IntAttribute("to", (long)DataType.Float))],
            [Tensor("ids", DataType.Int64, "n")],
            [Tensor("out", DataType.Float, "n"), Tensor("diff", DataType.Int64, "n")],
            [Int64Initializer("offset", [TwoTo53])]),
            Path.Combine(folder.FullName, "offset.onnx"));

    /// <summary>The same model and inputs in .NET's ONNX Runtime (CPU), the side the node results are compared with.</summary>
    private static Dictionary<string, (long[] Dims, float[] Data)> RunInDotNet(
        string modelPath, IReadOnlyDictionary<string, NodeInput> inputs, params string[] outputNames)
    {
        using var session = new InferenceSession(modelPath);
        var values = inputs.ToDictionary(
            pair => pair.Key,
            pair => pair.Value.Float32Data is { } floats
                ? OrtValue.CreateTensorValueFromMemory(floats, pair.Value.Dims)
                : OrtValue.CreateTensorValueFromMemory(pair.Value.Int64Data!, pair.Value.Dims));
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, values, outputNames);
            return outputNames.Zip(outputs).ToDictionary(
                pair => pair.First,
                pair => (pair.Second.GetTensorTypeAndShape().Shape, pair.Second.GetTensorDataAsSpan<float>().ToArray()));
        }
        finally
        {
            foreach (var value in values.Values)
            {
                value.Dispose();
            }
        }
    }
}
