using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Distill.Students;

namespace Distill.Recipes.Internal;

/// <summary>
/// Builds <see cref="StudentOptions"/> from a recipe's student settings through their one JSON form
/// (<see cref="StudentOptionsJson"/>): the same names, types and enum spellings that checkpoint manifests use. Each
/// setting is checked on its own first, so that every unknown key and wrong type is reported with its key.
/// </summary>
internal static class StudentOptionsBuilder
{
    private static readonly Lazy<IReadOnlyDictionary<string, Type>> Types = new(() =>
        typeof(StudentOptions).GetCustomAttributes<JsonDerivedTypeAttribute>()
            .ToDictionary(a => (string)a.TypeDiscriminator!, a => a.DerivedType, StringComparer.Ordinal));

    /// <summary>The settings an architecture takes (snake_case, as in its options record); null for an unknown architecture.</summary>
    public static IReadOnlyCollection<string>? SettingNames(string architecture) =>
        Settings(architecture)?.Keys.ToList();

    /// <summary>
    /// Builds and validates the options; every problem goes to <paramref name="problems"/> as (setting key or null,
    /// message without the key). Returns null when the options could not be built.
    /// </summary>
    /// <param name="numLabels">Overrides <c>num_labels</c>; null keeps the setting or its default.</param>
    public static StudentOptions? Build(
        string architecture, IReadOnlyDictionary<string, object?> settings, int? numLabels, List<(string? Key, string Message)> problems)
    {
        var properties = Settings(architecture);
        if (properties is null)
        {
            problems.Add(("architecture", $"is unknown (was '{architecture}'){Suggestions.Explain(architecture, StudentOptionsJson.ArchitectureNames, "Known")}"));
            return null;
        }

        var json = new JsonObject { ["architecture"] = architecture };
        var before = problems.Count;
        foreach (var (key, value) in settings)
        {
            if (!properties.TryGetValue(key, out var type))
            {
                problems.Add((key, $"is not a setting of a {architecture} student{Suggestions.Explain(key, properties.Keys.ToList(), "Its settings")}"));
                continue;
            }

            if (value is null)
            {
                continue;
            }

            var node = ToJson(value);
            try
            {
                JsonSerializer.Deserialize(node, type, StudentOptionsJson.SerializerOptions);
                json[key] = node;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
            {
                problems.Add((key, $"must be {Expected(type)} (was {Show(value)})"));
            }
        }

        if (numLabels is { } labels)
        {
            json["num_labels"] = labels;
        }

        if (problems.Count > before)
        {
            return null;
        }

        var options = json.Deserialize<StudentOptions>(StudentOptionsJson.SerializerOptions)!;
        var prefix = options.ArchitectureName + ": ";
        foreach (var error in options.Validate())
        {
            var message = error.StartsWith(prefix, StringComparison.Ordinal) ? error[prefix.Length..] : error;
            var name = message.Split(' ', 2)[0];
            if (!properties.ContainsKey(name))
            {
                problems.Add((null, message));
            }
            else if (message.StartsWith(name + " must ", StringComparison.Ordinal))
            {
                problems.Add((name, message[(name.Length + 1)..]));
            }
            else
            {
                // "hidden (300) must be divisible by heads (7)": about the student as a whole, and it names its settings.
                problems.Add((null, message));
            }
        }

        return problems.Count > before ? null : options;
    }

    /// <summary>The value as a message shows it: <c>'abc'</c>, or <c>a list</c>.</summary>
    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        bool b => b ? "'true'" : "'false'",
        IDictionary => "a mapping",
        IEnumerable => "a list",
        IFormattable f => $"'{f.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };

    private static IReadOnlyDictionary<string, Type>? Settings(string architecture)
    {
        if (!Types.Value.TryGetValue(architecture, out var type))
        {
            return null;
        }

        return StudentOptionsJson.SerializerOptions.GetTypeInfo(type).Properties
            .ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal);
    }

    private static string Expected(Type type)
    {
        if (type == typeof(int) || type == typeof(long))
        {
            return "a whole number";
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return "a number";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName));
        }

        return typeof(IEnumerable<int>).IsAssignableFrom(type) ? "a list of whole numbers" : $"a {type.Name}";
    }

    /// <summary>A recipe value as JSON; text that reads as a number or boolean becomes one (quoted YAML or not).</summary>
    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        string s when bool.TryParse(s, out var b) => JsonValue.Create(b),
        string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        IDictionary<string, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, ToJson(p.Value)))),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
