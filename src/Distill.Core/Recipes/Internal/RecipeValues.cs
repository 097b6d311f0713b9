using System.Globalization;

namespace Distill.Recipes.Internal;

/// <summary>
/// Typed reads of a recipe tree, each reporting a problem at its key path and line and returning null (so that
/// reading goes on and every error is collected). Absent keys and YAML nulls read as null without a problem.
/// </summary>
internal sealed class RecipeValues
{
    private readonly RecipeErrorList _errors;
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _origins = new(StringComparer.Ordinal);

    public RecipeValues(MapNode root, RecipeErrorList errors)
    {
        _errors = errors;
        root.Walk((path, node, line) =>
        {
            if (path.Length == 0)
            {
                return;
            }

            if (line > 0)
            {
                _lines[path] = line;
            }

            _origins[path] = node.Origin;
        });
    }

    /// <summary>The line of each key path that is in the file.</summary>
    public IReadOnlyDictionary<string, int> Lines => _lines;

    public int ErrorCount => _errors.Count;

    /// <summary>
    /// Reports a problem at a key path: its line; or, when the key is missing, its nearest ancestor's. A key that
    /// <c>--set</c> added has no line.
    /// </summary>
    public void Error(string path, string message)
    {
        var line = _lines.GetValueOrDefault(path);
        if (line == 0 && !_origins.ContainsKey(path))
        {
            // A missing key: point at the nearest mapping around it that is in the file.
            for (var at = Parent(path); at.Length > 0 && !_lines.TryGetValue(at, out line); at = Parent(at))
            {
            }
        }

        _errors.Add(line, path, message, _origins.GetValueOrDefault(path));
    }

    /// <summary>The value at a key, or null when absent or YAML null.</summary>
    public static RecipeNode? Present(MapNode? map, string key) =>
        map?.Get(key) is { } node && node is not ScalarNode { IsNull: true } ? node : null;

    /// <summary>Reports <c>is required</c> when the key is absent; true when present.</summary>
    public bool Require(MapNode? map, string parent, string key, string hint)
    {
        if (Present(map, key) is not null)
        {
            return true;
        }

        Error(KeyPath.Child(parent, key), $"is required; {hint}");
        return false;
    }

    /// <summary>Reports unknown keys of a mapping against the schema, with "did you mean".</summary>
    public void CheckKeys(MapNode map, string path, SchemaNode schema)
    {
        var valid = schema.ValidKeys(map);
        if (valid is null)
        {
            return;
        }

        foreach (var key in map.Keys.Where(k => !valid.Contains(k)))
        {
            Error(KeyPath.Child(path, key), RecipeOverrides.UnknownKey(key, path, valid));
        }
    }

    public MapNode? Map(MapNode? map, string parent, string key, string? hint = null) => Present(map, key) switch
    {
        null => null,
        MapNode found => found,
        var other => Fail<MapNode>(KeyPath.Child(parent, key), $"must be a mapping (was {other.Describe()}){hint}"),
    };

    public SequenceNode? List(MapNode? map, string parent, string key, string? hint = null) => Present(map, key) switch
    {
        null => null,
        SequenceNode found => found,
        var other => Fail<SequenceNode>(KeyPath.Child(parent, key), $"must be a list (was {other.Describe()}){hint}"),
    };

    public string? Text(MapNode? map, string parent, string key) => Text(Present(map, key), KeyPath.Child(parent, key));

    public string? Text(RecipeNode? node, string path) => node switch
    {
        null => null,
        ScalarNode scalar => scalar.Value,
        _ => Fail<string>(path, $"must be a string (was {node.Describe()})"),
    };

    /// <summary>A whole number ≥ <paramref name="minimum"/>.</summary>
    public int? Int(MapNode? map, string parent, string key, int minimum = int.MinValue, string? hint = null) =>
        Int(Present(map, key), KeyPath.Child(parent, key), minimum, hint);

    public int? Int(RecipeNode? node, string path, int minimum = int.MinValue, string? hint = null)
    {
        var value = Long(node, path, minimum, hint);
        if (value is > int.MaxValue)
        {
            return Fail<int?>(path, $"must be at most {int.MaxValue} (was {value})");
        }

        return (int?)value;
    }

    /// <summary>A whole number ≥ <paramref name="minimum"/>.</summary>
    public long? Long(MapNode? map, string parent, string key, long minimum = long.MinValue) =>
        Long(Present(map, key), KeyPath.Child(parent, key), minimum);

    public long? Long(RecipeNode? node, string path, long minimum = long.MinValue, string? hint = null)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not ScalarNode { Value: { } text } || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return Fail<long?>(path, $"must be a whole number (was {node.Describe()})");
        }

        return value < minimum ? Fail<long?>(path, $"must be >= {minimum} (was {text}){hint}") : value;
    }

    /// <summary>A number for which <paramref name="valid"/> holds; <paramref name="rule"/> says what that is ("> 0", "in [0, 1)").</summary>
    public double? Number(MapNode? map, string parent, string key, Func<double, bool> valid, string rule, string? hint = null)
    {
        var node = Present(map, key);
        var path = KeyPath.Child(parent, key);
        if (node is null)
        {
            return null;
        }

        if (node is not ScalarNode { Value: { } text } || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return Fail<double?>(path, $"must be a number (was {node.Describe()})");
        }

        return valid(value) && !double.IsNaN(value) ? value : Fail<double?>(path, $"must be {rule} (was {text}){hint}");
    }

    public bool? Bool(MapNode? map, string parent, string key)
    {
        var node = Present(map, key);
        if (node is null)
        {
            return null;
        }

        return node is ScalarNode { Value: { } text } && bool.TryParse(text, out var value)
            ? value
            : Fail<bool?>(KeyPath.Child(parent, key), $"must be true or false (was {node.Describe()})");
    }

    /// <summary>One of <paramref name="choices"/> (case ignored), returned as the choice is written.</summary>
    public string? Choice(MapNode? map, string parent, string key, params string[] choices) =>
        Choice(Present(map, key), KeyPath.Child(parent, key), choices);

    public string? Choice(RecipeNode? node, string path, params string[] choices)
    {
        var text = Text(node, path);
        if (text is null)
        {
            return null;
        }

        var match = choices.FirstOrDefault(c => c.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (match is not null)
        {
            return match;
        }

        var list = choices.Length == 1 ? choices[0] : string.Join(", ", choices[..^1]) + " or " + choices[^1];
        return Fail<string>(path, $"must be {list} (was '{text}'){Suggestions.DidYouMean(text, choices)}");
    }

    /// <summary>A list of strings.</summary>
    public List<string>? TextList(MapNode? map, string parent, string key)
    {
        var list = List(map, parent, key);
        if (list is null)
        {
            return null;
        }

        var path = KeyPath.Child(parent, key);
        var values = new List<string>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            if (list.Items[i] is ScalarNode { IsNull: true })
            {
                Error(KeyPath.Item(path, i), "is empty (null); give a value or remove the item");
            }
            else if (Text(list.Items[i], KeyPath.Item(path, i)) is { } value)
            {
                values.Add(value);
            }
        }

        return values.Count == list.Items.Count ? values : null;
    }

    /// <summary>A list of whole numbers, each ≥ <paramref name="minimum"/>.</summary>
    public List<int>? IntList(MapNode? map, string parent, string key, int minimum = int.MinValue, string? hint = null)
    {
        var list = List(map, parent, key, hint);
        if (list is null)
        {
            return null;
        }

        var path = KeyPath.Child(parent, key);
        var values = list.Items.Select((item, i) => Int(item, KeyPath.Item(path, i), minimum)).ToList();
        return values.Any(v => v is null) ? null : values.Select(v => v!.Value).ToList();
    }

    /// <summary>The node as plain .NET values for settings dictionaries: bool, int, long, double, string, lists and dictionaries.</summary>
    public static object? Plain(RecipeNode node) => node switch
    {
        ScalarNode { Value: null } => null,
        ScalarNode { Quoted: true } scalar => scalar.Value,
        ScalarNode scalar => Typed(scalar.Value!),
        SequenceNode sequence => sequence.Items.Select(Plain).ToList(),
        MapNode map => map.Entries.ToDictionary(e => e.Key, e => Plain(e.Value), StringComparer.Ordinal),
        _ => null,
    };

    /// <summary>The parent of a key path: <c>a.b[1]</c> → <c>a.b</c> → <c>a</c> → empty.</summary>
    public static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut < 0 ? string.Empty : path[..cut];
    }

    private static object Typed(string text)
    {
        if (bool.TryParse(text, out var flag))
        {
            return flag;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            return whole is >= int.MinValue and <= int.MaxValue ? (object)(int)whole : whole;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : text;
    }

    private T? Fail<T>(string path, string message)
    {
        Error(path, message);
        return default;
    }
}
