using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distill.Students;

/// <summary>
/// The one JSON form of <see cref="StudentOptions"/>, used by checkpoint manifests and ONNX metadata: snake_case
/// names, enums as snake_case strings, an <c>architecture</c> discriminator.
/// </summary>
public static class StudentOptionsJson
{
    /// <summary>Serializer settings for student options.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = false,
    };

    /// <summary>The options as JSON.</summary>
    public static string Serialize(StudentOptions options) => JsonSerializer.Serialize(options, Options);

    /// <summary>Reads options written by <see cref="Serialize"/>.</summary>
    /// <exception cref="JsonException">The text is not student options.</exception>
    public static StudentOptions Deserialize(string json) =>
        JsonSerializer.Deserialize<StudentOptions>(json, Options) ?? throw new JsonException("student options are null");
}
