using Distill.MLNet.Internal;
using Distill.Teacher;
using Microsoft.ML;
using Microsoft.ML.Data;
using VectorKind = Microsoft.ML.SchemaShape.Column.VectorKind;

namespace Distill.MLNet;

/// <summary>
/// Runs an ONNX teacher (<see cref="OnnxTeacher"/>, in ONNX Runtime) over the token columns, or over a float-vector
/// column for vision and tabular teachers, in batches, and adds its logits as a <c>Vector&lt;Single, classes&gt;</c>
/// column (<c>TeacherLogits</c> by default), which the student trainers read for KD and DKD. Made by
/// <c>mlContext.Distillation().TeacherOutputs(...)</c>.
/// </summary>
/// <remarks>
/// The ML.NET path carries logits only. Loss terms on the teacher's intermediate tensors (attention maps, hidden
/// states, value relations, feature maps) need them per token and per layer, which a column of an
/// <see cref="IDataView"/> cannot carry at a sane size: train those with the engine (<c>DistillationTrainer</c>) from a
/// teacher cache, built by <c>distill cache</c> or a recipe (<c>distill recipe</c>).
/// </remarks>
public sealed class TeacherOutputsEstimator : IEstimator<TeacherOutputsTransformer>
{
    private readonly Lazy<TeacherFacts> _facts;

    /// <summary>Creates the estimator; the teacher's graph is read when its output schema or fit is first asked for.</summary>
    /// <exception cref="DistillException">The options are invalid (every problem is listed).</exception>
    public TeacherOutputsEstimator(TeacherOutputsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ColumnNameChecks.ThrowIfAny("teacher outputs", options.Validate());
        Options = options;
        _facts = new Lazy<TeacherFacts>(() => TeacherFacts.Read(options.TeacherPath, options.TeacherOptions()));
    }

    /// <summary>The settings.</summary>
    public TeacherOutputsOptions Options { get; }

    /// <summary>Checks the input's columns against what the teacher takes, then loads the teacher in ONNX Runtime.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the teacher reads is missing or of the wrong type.</exception>
    /// <exception cref="DistillException">The teacher cannot be loaded, or its inputs cannot be fed.</exception>
    public TeacherOutputsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(InputColumns.Of(input.Schema), Options, _facts.Value.IsText);
        var teacher = OnnxTeacher.Load(Options.TeacherPath, Options.TeacherOptions());
        try
        {
            var transformer = new TeacherOutputsTransformer(Options, teacher, TeacherFacts.Of(teacher));
            transformer.Bind(input.Schema);
            return transformer;
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }

    /// <summary>The input's columns plus the logits column, a vector of Single of the teacher's class count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the teacher reads is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Check(InputColumns.Of(inputSchema), Options, _facts.Value.IsText);
        return SchemaShapes.With(inputSchema, [SchemaShapeColumns.Create(Options.OutputColumnName, VectorKind.Vector, NumberDataViewType.Single)]);
    }

    /// <summary>Checks the columns a text teacher (token columns) or a float teacher (features) reads.</summary>
    internal static void Check(InputColumns input, TeacherOutputsOptions options, bool isText, long? featureSize = null)
    {
        if (isText)
        {
            input.Tokens("token ids", options.InputIdsColumnName, nameof(TeacherOutputsOptions.InputIdsColumnName));
            input.OptionalTokens("attention mask", options.AttentionMaskColumnName);
            input.OptionalTokens("segment ids", options.TokenTypeIdsColumnName);
        }
        else
        {
            input.Floats("features", options.FeatureColumnName, nameof(TeacherOutputsOptions.FeatureColumnName), (int?)featureSize,
                $"give the teacher {featureSize} features per row, the size of its input");
        }
    }
}
