using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distill.Training;

/// <summary>
/// One line of a training run's metrics log, <c>metrics.jsonl</c> (<see cref="TrainingResult.MetricsLog"/>): a JSON
/// object whose <c>kind</c> says what it is, <c>step</c> (<see cref="MetricsLogStep"/>) or <c>eval</c>
/// (<see cref="MetricsLogEvaluation"/>). These records are the log's format: the trainer writes them and the report
/// reads them, so each key is spelled here and nowhere else.
/// </summary>
/// <remarks>
/// A line of another kind, or of none, reads as a plain <see cref="MetricsLogLine"/>. A key the line lacks takes the
/// property's default, as documented on each property.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(MetricsLogStep), "step")]
[JsonDerivedType(typeof(MetricsLogEvaluation), "eval")]
public record MetricsLogLine
{
    // A line edited by hand or by another tool may have "kind" anywhere, not only first as the trainer writes it.
    // The serializer writes a derived record's own properties before these; the orders below put these first, after
    // "kind", as the log has always had them.
    private static readonly JsonSerializerOptions Json = new() { AllowOutOfOrderMetadataProperties = true };

    /// <summary>The training stage's name (<see cref="TrainingStage.Name"/>); <c>train</c> when the line has none.</summary>
    [JsonPropertyName("stage")]
    [JsonPropertyOrder(-4)]
    public string Stage { get; init; } = "train";

    /// <summary>The epoch within the stage, from 0.</summary>
    [JsonPropertyName("epoch")]
    [JsonPropertyOrder(-3)]
    public int Epoch { get; init; }

    /// <summary>Optimizer steps taken in the stage so far.</summary>
    [JsonPropertyName("step")]
    [JsonPropertyOrder(-2)]
    public long Step { get; init; }

    /// <summary>Optimizer steps taken in the run so far, over all stages.</summary>
    [JsonPropertyName("global_step")]
    [JsonPropertyOrder(-1)]
    public long GlobalStep { get; init; }

    /// <summary>The line as it is written in the log: one JSON object, <c>kind</c> first, without a line break.</summary>
    /// <exception cref="ArgumentException">A number is NaN or infinite, which JSON cannot hold.</exception>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The line <paramref name="json"/>; null when it is not a whole JSON object (the last line of a run killed while writing it).</summary>
    public static MetricsLogLine? Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<MetricsLogLine>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
