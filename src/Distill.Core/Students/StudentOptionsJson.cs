using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Distill.Students.Internal;

namespace Distill.Students;

/// <summary>
/// The one JSON form of <see cref="StudentOptions"/>, shared by checkpoint manifests (<c>distill.json</c>) and ONNX
/// metadata (<c>distill.architecture</c>): snake_case names, enums as snake_case strings, and the architecture
/// discriminator (<c>"architecture": "transformer"</c>, ...). Reading checks the architecture by name before anything
/// else, so that an unknown one is reported as such and not as a serializer error.
/// </summary>
public static class StudentOptionsJson
{
    private static readonly Lazy<IReadOnlyDictionary<string, StudentKind>> Architectures = new(ReadArchitectures);

    /// <summary>The serializer settings; read-only. Use them to nest options in a larger JSON document.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = CreateSerializerOptions(indented: false);

    /// <summary>The same settings, writing indented JSON (for files people read).</summary>
    public static JsonSerializerOptions IndentedSerializerOptions { get; } = CreateSerializerOptions(indented: true);

    /// <summary>The architecture names the discriminator accepts, in declaration order.</summary>
    public static IReadOnlyCollection<string> ArchitectureNames => (IReadOnlyCollection<string>)Architectures.Value.Keys;

    /// <summary>The options as JSON, with the <c>architecture</c> discriminator first.</summary>
    public static string Serialize(StudentOptions options, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        return JsonSerializer.Serialize(options, indented ? IndentedSerializerOptions : SerializerOptions);
    }

    /// <summary>
    /// Reads options from JSON and validates them. <paramref name="source"/> names where the JSON came from (a file
    /// and key, such as <c>student/distill.json: student</c>) and starts every error message.
    /// </summary>
    /// <exception cref="DistillException">The JSON is malformed, names an unknown architecture, or has invalid settings.</exception>
    public static StudentOptions Deserialize(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw StudentErrors.NotJson(source, e);
        }

        return FromNode(node, source);
    }

    /// <summary>The architecture name of a kind, as the discriminator writes it (<c>bilstm</c> for <see cref="StudentKind.BiLstm"/>).</summary>
    public static string NameOf(StudentKind kind) =>
        Architectures.Value.FirstOrDefault(pair => pair.Value == kind).Key ?? kind.ToString();

    /// <summary>Reads validated options from a parsed JSON node; see <see cref="Deserialize"/>.</summary>
    internal static StudentOptions FromNode(JsonNode? node, string source)
    {
        if (node is not JsonObject settings)
        {
            throw StudentErrors.SettingsNotAnObject(source, node);
        }

        if (!settings.TryGetPropertyValue("architecture", out var architectureNode)
            || architectureNode is not JsonValue architectureValue
            || !architectureValue.TryGetValue<string>(out var architecture))
        {
            throw StudentErrors.ArchitectureMissing(source, architectureNode, ArchitectureNames);
        }

        if (!Architectures.Value.ContainsKey(architecture))
        {
            throw StudentErrors.UnknownArchitecture(source, architecture, ArchitectureNames);
        }

        StudentOptions? options;
        try
        {
            options = settings.Deserialize<StudentOptions>(SerializerOptions);
        }
        catch (JsonException e)
        {
            throw StudentErrors.SettingOfWrongType(source, e);
        }

        var errors = options!.Validate().ToList();
        if (errors.Count > 0)
        {
            throw StudentErrors.InvalidSettingsIn(source, errors);
        }

        return options;
    }

    /// <summary>The options as a JSON object (what <see cref="Serialize"/> writes), for comparing settings one by one.</summary>
    internal static JsonObject ToNode(StudentOptions options) =>
        JsonSerializer.SerializeToNode(options, SerializerOptions)!.AsObject();

    private static JsonSerializerOptions CreateSerializerOptions(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = indented,
            // People edit these files; the discriminator need not stay first.
            AllowOutOfOrderMetadataProperties = true,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
            // Written to files, never embedded in HTML: keep "0.1.0+abc" readable instead of "0.1.0\u002Babc".
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OnlySettableProperties } },
        };
        options.MakeReadOnly();
        return options;
    }

    // Settings are init properties. Computed ones (Kind, HeadSize) describe the settings and are not settings
    // themselves: writing them would only invite edits that reading ignores.
    private static void OnlySettableProperties(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            if (type.Properties[i].Set is null)
            {
                type.Properties.RemoveAt(i);
            }
        }
    }

    // The discriminators are declared once, on StudentOptions; read them from there so this list cannot drift.
    private static IReadOnlyDictionary<string, StudentKind> ReadArchitectures()
    {
        var names = new Dictionary<string, StudentKind>(StringComparer.Ordinal);
        foreach (var derived in typeof(StudentOptions).GetCustomAttributes<JsonDerivedTypeAttribute>())
        {
            var example = (StudentOptions)Activator.CreateInstance(derived.DerivedType)!;
            names[(string)derived.TypeDiscriminator!] = example.Kind;
        }

        return names;
    }
}
