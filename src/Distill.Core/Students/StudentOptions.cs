using System.Globalization;
using System.Text.Json.Serialization;
using Distill.Students.Internal;

namespace Distill.Students;

/// <summary>
/// The settings of a student architecture. Each subclass validates itself (<see cref="Validate"/> returns every
/// problem, naming the setting and its value) and builds its model. Serialised to JSON (snake_case, with an
/// <c>architecture</c> discriminator) in checkpoint manifests and ONNX metadata.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "architecture")]
[JsonDerivedType(typeof(TransformerStudentOptions), "transformer")]
[JsonDerivedType(typeof(BiLstmStudentOptions), "bilstm")]
[JsonDerivedType(typeof(TextCnnStudentOptions), "text_cnn")]
[JsonDerivedType(typeof(MlpStudentOptions), "mlp")]
[JsonDerivedType(typeof(ImageCnnStudentOptions), "image_cnn")]
public abstract record StudentOptions
{
    /// <summary>Number of classes, ≥ 2. Default 2.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary>The architecture these options describe.</summary>
    [JsonIgnore]
    public abstract StudentKind Kind { get; }

    /// <summary>The architecture's name as recipes and manifests write it (<c>transformer</c>, <c>bilstm</c>, ...).</summary>
    [JsonIgnore]
    public string ArchitectureName => StudentOptionsJson.NameOf(Kind);

    /// <summary>Every problem with these settings, each naming the setting and its value; empty when valid.</summary>
    public IEnumerable<string> Validate() =>
        (NumLabels < 2 ? [$"num_labels must be >= 2 (was {NumLabels})"] : Array.Empty<string>())
            .Concat(ValidateArchitecture())
            .Select(error => $"{ArchitectureName}: {error}");

    /// <summary>Throws a <see cref="DistillException"/> listing every problem, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate().ToList();
        if (errors.Count > 0)
        {
            throw StudentErrors.InvalidSettings(errors);
        }
    }

    /// <summary>Builds a randomly initialised model with these settings (validated first).</summary>
    public StudentModel CreateModel()
    {
        ThrowIfInvalid();
        return Build();
    }

    /// <summary>The architecture's own checks.</summary>
    protected abstract IEnumerable<string> ValidateArchitecture();

    /// <summary>Builds the model; called after validation.</summary>
    protected abstract StudentModel Build();

    /// <summary>"name must be &gt;= minimum (was value)" when the value is below the minimum.</summary>
    protected static IEnumerable<string> AtLeast(string name, long value, long minimum)
    {
        if (value < minimum)
        {
            yield return $"{name} must be >= {minimum} (was {value})";
        }
    }

    /// <summary>"name must be in [0, 1) (was value)" for dropout probabilities.</summary>
    protected static IEnumerable<string> Probability(string name, double value)
    {
        if (!(value >= 0 && value < 1))
        {
            yield return $"{name} must be in [0, 1) (was {value.ToString(CultureInfo.InvariantCulture)})";
        }
    }
}
