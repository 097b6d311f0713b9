using System.Security.Cryptography;
using Distill.Platform;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Distill.Teacher;

/// <summary>
/// An ONNX teacher in ONNX Runtime: whole batches go in as <see cref="OrtValue"/>s (never a row at a time), on the
/// device the device setting resolves to. The model's inputs are read from the model and bound to what Distill feeds.
/// </summary>
public sealed class OnnxTeacher : ITeacherModel, IDisposable
{
    private readonly InferenceSession _session;
    private readonly IReadOnlyDictionary<string, TeacherInputRole> _roles;

    private OnnxTeacher(string path, byte[] model, string contentHash, OnnxTeacherOptions options)
    {
        Path = path;
        ContentHash = contentHash;
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
        };
        Device = new DeviceResolver().ResolveOnnx(options.Device);
        if (Device.Notice is not null)
        {
            options.OnNotice?.Invoke(Device.Notice);
        }

        Device.ApplyTo(sessionOptions);
        _session = new InferenceSession(model, sessionOptions);
        _roles = TeacherInputRoles.Bind(path, _session.InputMetadata, options.InputRoles);
        OutputNames = _session.OutputNames.ToList();
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string ContentHash { get; }

    /// <summary>Where ONNX Runtime runs the teacher.</summary>
    public OnnxDeviceChoice Device { get; }

    /// <summary>The model's outputs (taps added by <see cref="Load"/> included).</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>What each model input is fed with.</summary>
    public IReadOnlyDictionary<string, TeacherInputRole> InputRoles => _roles;

    /// <summary>
    /// Loads the teacher at <paramref name="path"/>. <paramref name="edit"/>, when given, turns the file's bytes into
    /// the model to run (for example with internal tensors added as outputs); the file itself is never changed, and
    /// the content hash is the file's.
    /// </summary>
    /// <exception cref="DistillException">The file is missing or unreadable, or its inputs cannot be fed.</exception>
    public static OnnxTeacher Load(string path, OnnxTeacherOptions? options = null, Func<byte[], byte[]>? edit = null)
    {
        if (!File.Exists(path))
        {
            throw new DistillException(DistillErrorKind.InvalidInput, $"{path}: teacher model not found; give the path of the teacher's .onnx file");
        }

        var bytes = File.ReadAllBytes(path);
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        try
        {
            return new OnnxTeacher(path, edit is null ? bytes : edit(bytes), hash, options ?? new OnnxTeacherOptions());
        }
        catch (OnnxRuntimeException e)
        {
            throw new DistillException(DistillErrorKind.InvalidInput, $"{path}: ONNX Runtime cannot load the teacher ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <inheritdoc />
    public TeacherOutputs Run(TeacherBatch batch, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, role) in _roles)
            {
                names.Add(name);
                values.Add(Input(name, role, batch));
            }

            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, names, values, outputs);
            var result = new TeacherOutputs();
            for (var i = 0; i < outputs.Count; i++)
            {
                var info = results[i].GetTensorTypeAndShape();
                if (info.ElementDataType != TensorElementType.Float)
                {
                    throw new DistillException(DistillErrorKind.InvalidInput,
                        $"{Path}: output '{outputs[i]}' is {info.ElementDataType}; Distill caches float outputs");
                }

                result.Add(outputs[i], results[i].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
            }

            return result;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    private OrtValue Input(string name, TeacherInputRole role, TeacherBatch batch)
    {
        long[] tokens = [batch.Rows, batch.Length];
        return role switch
        {
            TeacherInputRole.InputIds => OrtValue.CreateTensorValueFromMemory(Require(batch.InputIds, name, "token ids"), tokens),
            TeacherInputRole.AttentionMask => OrtValue.CreateTensorValueFromMemory(Require(batch.AttentionMask, name, "an attention mask"), tokens),
            TeacherInputRole.TokenTypeIds => OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds ?? new long[batch.Rows * batch.Length], tokens),
            _ => OrtValue.CreateTensorValueFromMemory(
                Require(batch.Features, name, "float features"),
                [batch.Rows, .. batch.FeatureDims ?? throw new ArgumentException("TeacherBatch.FeatureDims is required with Features", nameof(batch))]),
        };
    }

    private T Require<T>(T? value, string input, string what)
        where T : class =>
        value ?? throw new DistillException(DistillErrorKind.InvalidInput, $"{Path}: input '{input}' needs {what}, which this batch does not have");
}
