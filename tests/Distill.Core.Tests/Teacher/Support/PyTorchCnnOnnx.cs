using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

using static Distill.Core.Tests.Teacher.Support.OnnxProto;

namespace Distill.Core.Tests.Teacher.Support;

/// <summary>
/// CNN graphs written the way <c>torch.onnx.export</c> (PyTorch 2.x, opset 11 to 17) writes them, not by Distill's
/// exporter: nodes named by module path (<c>/conv1/Conv</c>), outputs named after their node
/// (<c>/relu/Relu_output_0</c>), weights named by parameter (<c>conv1.weight</c>), a symbolic batch axis, a Reshape
/// by a Constant shape before the classifier's Gemm. Weights are drawn from a seeded generator.
/// </summary>
internal sealed class PyTorchCnnOnnx
{
    private readonly GraphProto _graph = new() { Name = "main_graph" };
    private readonly Random _random;
    private string _current = "input";

    private PyTorchCnnOnnx(int seed, long channels, long height, long width)
    {
        _random = new Random(seed);
        _graph.Input.Add(Value("input", DataType.Float, "batch_size", channels, height, width));
    }

    /// <summary>
    /// LeNet-style: two stages of Conv → Relu → MaxPool(2), then Reshape and Gemm; the maps end at 16×28×28,
    /// 32×14×14 and, before the Reshape, 32×7×7.
    /// </summary>
    public static ModelProto Simple(int seed = 1, int opset = 17)
    {
        var b = new PyTorchCnnOnnx(seed, 1, 28, 28);
        b.Conv("conv1", 1, 16, kernel: 3, stride: 1, pad: 1);
        b.Unary("Relu", "relu");
        b.MaxPool("pool");
        b.Conv("conv2", 16, 32, kernel: 3, stride: 1, pad: 1);
        b.Unary("Relu", "relu_1");
        b.MaxPool("pool_1");
        b.ReshapeTo(32 * 7 * 7);
        b.Gemm("fc", 32 * 7 * 7, 10);
        return b.Model(opset);
    }

    /// <summary>
    /// ResNet-style: a strided stem convolution on the input, a stage of Conv → BatchNorm → Relu, a strided Conv that
    /// halves the map, a residual Add, then GlobalAveragePool, Flatten and Gemm; the maps end at 8×16×16 (before the
    /// strided Conv) and 16×8×8 (before global pooling).
    /// </summary>
    public static ModelProto Residual(int seed = 2, int opset = 13)
    {
        var b = new PyTorchCnnOnnx(seed, 3, 32, 32);
        b.Conv("stem/conv", 3, 8, kernel: 3, stride: 2, pad: 1);
        b.BatchNorm("stem/bn", 8);
        b.Unary("Relu", "stem/relu");
        var stageInput = b._current;
        b.Conv("layer1/conv", 8, 8, kernel: 3, stride: 1, pad: 1);
        b.Unary("Relu", "layer1/relu");
        b.Add("layer1", stageInput);
        b.Conv("layer2/conv", 8, 16, kernel: 3, stride: 2, pad: 1);
        b.Unary("Relu", "layer2/relu");
        b.Node("GlobalAveragePool", "avgpool", [b._current]);
        b.Node("Flatten", "", [b._current], attributes: [Int("axis", 1)]);
        b.Gemm("fc", 16, 5);
        return b.Model(opset);
    }

    // torch.onnx.export(..., output_names=["logits"]) renames the last node's output.
    private ModelProto Model(int opset)
    {
        _graph.Node[^1].Output[0] = "logits";
        _current = "logits";
        _graph.Output.Add(Value(_current, DataType.Float, "batch_size", _lastGemmOut));
        var model = new ModelProto { IrVersion = 8, ProducerName = "pytorch", ProducerVersion = "2.1.0", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return model;
    }

    private long _lastGemmOut;

    private void Conv(string module, long inChannels, long outChannels, long kernel, long stride, long pad)
    {
        var weight = Initializer($"{module.Replace('/', '.')}.weight", outChannels, inChannels, kernel, kernel);
        var bias = Initializer($"{module.Replace('/', '.')}.bias", outChannels);
        Node("Conv", module, [_current, weight, bias], attributes:
        [
            Ints("dilations", 1, 1), Int("group", 1), Ints("kernel_shape", kernel, kernel), Ints("pads", pad, pad, pad, pad), Ints("strides", stride, stride),
        ]);
    }

    private void BatchNorm(string module, long channels)
    {
        var prefix = module.Replace('/', '.');
        var scale = Initializer($"{prefix}.weight", channels);
        var shift = Initializer($"{prefix}.bias", channels);
        var mean = Initializer($"{prefix}.running_mean", channels);
        var variance = Initializer($"{prefix}.running_var", channels, positive: true);
        Node("BatchNormalization", module, [_current, scale, shift, mean, variance], attributes: [Float("epsilon", 1e-5f), Float("momentum", 0.9f)]);
    }

    private void Unary(string op, string module) => Node(op, module, [_current]);

    private void Add(string module, string other) => Node("Add", module, [_current, other]);

    private void MaxPool(string module) =>
        Node("MaxPool", module, [_current], attributes: [Int("ceil_mode", 0), Ints("kernel_shape", 2, 2), Ints("pads", 0, 0, 0, 0), Ints("strides", 2, 2)]);

    private void ReshapeTo(long features)
    {
        var shape = "/Constant_output_0";
        _graph.Node.Add(new NodeProto
        {
            Name = "/Constant", OpType = "Constant", Output = { shape },
            Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = new TensorProto { DataType = (int)DataType.Int64, Dims = { 2 }, Int64Data = { -1, features } } } },
        });
        Node("Reshape", "", [_current, shape]);
    }

    private void Gemm(string module, long inFeatures, long outFeatures)
    {
        var weight = Initializer($"{module}.weight", outFeatures, inFeatures);
        var bias = Initializer($"{module}.bias", outFeatures);
        _lastGemmOut = outFeatures;
        Node("Gemm", module, [_current, weight, bias], attributes: [Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)]);
    }

    // Named as torch.onnx names them: "/<module path>/<Op>", output "/<module path>/<Op>_output_0"; "" = top level.
    private void Node(string op, string module, string[] inputs, AttributeProto[]? attributes = null)
    {
        var name = module.Length == 0 ? $"/{op}" : $"/{module}/{op}";
        var output = $"{name}_output_0";
        var node = new NodeProto { Name = name, OpType = op, Input = { inputs }, Output = { output } };
        node.Attribute.AddRange(attributes ?? []);
        _graph.Node.Add(node);
        _current = output;
    }

    private string Initializer(string name, params long[] dims) => Initializer(name, dims, positive: false);

    private string Initializer(string name, long channels, bool positive) => Initializer(name, [channels], positive);

    private string Initializer(string name, long[] dims, bool positive)
    {
        var count = dims.Aggregate(1L, (a, d) => a * d);
        var fanIn = dims.Length > 1 ? dims.Skip(1).Aggregate(1L, (a, d) => a * d) : 1;
        var bound = 1.0 / Math.Sqrt(fanIn);
        var values = Enumerable.Range(0, (int)count)
            .Select(_ => positive ? (float)(0.5 + _random.NextDouble()) : (float)(((_random.NextDouble() * 2) - 1) * bound))
            .ToArray();
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        _graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)DataType.Float, Dims = { dims }, RawData = ByteString.CopyFrom(bytes) });
        return name;
    }
}
