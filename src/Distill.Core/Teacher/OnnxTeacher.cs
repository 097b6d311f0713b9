using System.Security.Cryptography;
using Distill.Platform;
using Distill.Teacher.Internal;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher;

/// <summary>
/// An ONNX teacher in ONNX Runtime: whole batches go in as <see cref="OrtValue"/>s (never a row at a time), on the
/// device the device setting resolves to. Its inputs are read from the model and bound to what Distill feeds
/// (<see cref="TeacherInputBinding"/>); the taps asked for are added as outputs to a copy of the graph
/// (<see cref="TeacherGraph.WithOutputs(Onnx.ModelProto, IEnumerable{TeacherTap})"/>), never to the file.
/// </summary>
public sealed class OnnxTeacher : ITeacherModel, IDisposable
{
    private readonly InferenceSession _session;

    private OnnxTeacher(string path, string contentHash, TeacherInspection inspection, IReadOnlyList<TeacherTap> taps, byte[] model, OnnxTeacherOptions options)
    {
        Path = path;
        ContentHash = contentHash;
        Inspection = inspection;
        Taps = taps;
        Binding = inspection.TokenIdsInput is not null
            ? TeacherInputBinding.ForText(inspection, options.HasSegmentIds, options.InputMap)
            : TeacherInputBinding.ForFeatures(inspection, options.InputMap);
        Device = new DeviceResolver().ResolveOnnx(options.Device);
        if (Device.Notice is not null)
        {
            options.OnNotice?.Invoke(Device.Notice);
        }

        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
        };
        Device.ApplyTo(sessionOptions);
        _session = new InferenceSession(model, sessionOptions);
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string ContentHash { get; }

    /// <summary>What the model's graph holds: inputs, outputs, layers and tap candidates.</summary>
    public TeacherInspection Inspection { get; }

    /// <inheritdoc />
    public int? LayerCount => Inspection.Layers.Count > 0 ? Inspection.Layers.Count : null;

    /// <summary>The taps added as outputs (see <see cref="TeacherTap.OutputName"/> for the output to read).</summary>
    public IReadOnlyList<TeacherTap> Taps { get; }

    /// <summary>What each model input is fed.</summary>
    public TeacherInputBinding Binding { get; }

    /// <summary>Where ONNX Runtime runs the teacher.</summary>
    public OnnxDeviceChoice Device { get; }

    /// <summary>The output holding the logits.</summary>
    /// <exception cref="DistillException">The model has no output recognisable as logits.</exception>
    public string LogitsOutput => Inspection.Logits ?? throw TeacherErrors.NoLogitsOutput(Path, Inspection.Outputs);

    /// <summary>The output to read for the tap of <paramref name="kind"/> at <paramref name="index"/>.</summary>
    /// <exception cref="DistillException">That tap was not asked for in the options.</exception>
    public string TapOutput(TeacherTapKind kind, int index) =>
        Taps.FirstOrDefault(t => t.Kind == kind && t.Index == index)?.OutputName ?? throw TeacherErrors.TapNotAdded(Path, kind, index);

    /// <summary>The output to read for the feature map of CNN stage <paramref name="stage"/>.</summary>
    /// <exception cref="DistillException">That feature map was not asked for in the options.</exception>
    public string FeatureMapOutput(int stage) =>
        _featureMaps.FirstOrDefault(m => m.Index == stage)?.TensorName ?? throw TeacherErrors.FeatureMapNotAdded(Path, stage);

    private IReadOnlyList<TeacherFeatureMap> _featureMaps = [];

    /// <summary>
    /// Loads the teacher at <paramref name="path"/>, adds the taps the options ask for to a copy of its graph, and
    /// binds its inputs. The content hash is the file's: the same file gives the same cache keys.
    /// </summary>
    /// <exception cref="DistillException">The file is missing or unreadable, a tap does not exist, or an input cannot be fed.</exception>
    public static OnnxTeacher Load(string path, OnnxTeacherOptions? options = null)
    {
        options ??= new OnnxTeacherOptions();
        var model = TeacherGraph.Load(path);
        var inspection = TeacherGraph.Inspect(model, path);
        var taps = options.AttentionLayers.Count + options.HiddenStates.Count > 0
            ? TeacherTaps.Select(inspection, options.AttentionLayers, options.HiddenStates)
            : [];
        var edited = taps.Any(t => !t.IsOutput) ? TeacherGraph.WithOutputs(model, taps) : model;
        var maps = options.FeatureMaps.Distinct().Select(stage => stage >= 0 && stage < inspection.FeatureMaps.Count
            ? inspection.FeatureMaps[stage]
            : throw TeacherErrors.FeatureMapMissing(path, stage, inspection.FeatureMaps.Count)).ToList();
        var missingOutputs = maps.Select(m => m.TensorName).Where(name => edited.Graph.Output.All(o => o.Name != name)).ToList();
        if (missingOutputs.Count > 0)
        {
            edited = TeacherGraph.WithOutputs(edited, missingOutputs);
        }

        string hash;
        using (var stream = File.OpenRead(path))
        {
            hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        try
        {
            return new OnnxTeacher(path, hash, inspection, taps, edited.ToByteArray(), options) { _featureMaps = maps };
        }
        catch (OnnxRuntimeException e)
        {
            throw TeacherErrors.CannotLoad(path, e);
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
            foreach (var input in Binding.Inputs)
            {
                names.Add(input.Input.Name);
                values.Add(Input(input, batch));
            }

            using var runOptions = new RunOptions();
            var results = _session.Run(runOptions, names, values, outputs);
            var result = new TeacherOutputs();
            try
            {
                for (var i = 0; i < outputs.Count; i++)
                {
                    var info = results[i].GetTensorTypeAndShape();
                    if (info.ElementDataType != TensorElementType.Float)
                    {
                        throw TeacherErrors.OutputNotFloat(Path, outputs[i], info.ElementDataType);
                    }

                    result.Add(outputs[i], results[i]);
                }
            }
            catch
            {
                result.Dispose();
                results.Dispose();
                throw;
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

    private OrtValue Input(BoundTeacherInput input, TeacherBatch batch)
    {
        long[] tokens = [batch.Rows, batch.Length];
        if (input.Kind == TeacherInputKind.Features)
        {
            var features = batch.Features ?? throw TeacherErrors.BatchLacksInput(Path, input, "float features");
            var dims = batch.FeatureDims ?? throw new ArgumentException("TeacherBatch.FeatureDims is required with Features", nameof(batch));
            return OrtValue.CreateTensorValueFromMemory(features, [batch.Rows, .. dims]);
        }

        var values = input.Zeros ? new long[batch.Rows * batch.Length] : input.Kind switch
        {
            TeacherInputKind.InputIds => batch.InputIds ?? throw TeacherErrors.BatchLacksInput(Path, input, "token ids"),
            TeacherInputKind.AttentionMask => batch.AttentionMask ?? throw TeacherErrors.BatchLacksInput(Path, input, "an attention mask"),
            _ => batch.TokenTypeIds ?? new long[batch.Rows * batch.Length],
        };

        // Some exports take int32 token inputs; the binding has checked the type is an integer one.
        return input.Input.ElementType == DataType.Int32
            ? OrtValue.CreateTensorValueFromMemory(values.Select(v => checked((int)v)).ToArray(), tokens)
            : OrtValue.CreateTensorValueFromMemory(values, tokens);
    }
}
