using System.Collections;
using System.Globalization;

namespace Distill.Losses;

/// <summary>
/// The settings of one loss term as a recipe gives them (<c>temperature: 2</c>, <c>layers: [2, 5, 8, 11]</c>), read
/// with types. The registry reports a setting that no reader asked for as unknown, listing those that exist.
/// Values may be numbers, booleans, strings (parsed with the invariant culture) or lists.
/// </summary>
public sealed class LossSettings
{
    private readonly Dictionary<string, object?> _values;
    private readonly List<string> _known = [];

    /// <summary>Wraps the settings of the term <paramref name="key"/>.</summary>
    public LossSettings(string key, IReadOnlyDictionary<string, object?>? values = null)
    {
        Key = key;
        _values = new Dictionary<string, object?>(values ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
    }

    /// <summary>The term's recipe key.</summary>
    public string Key { get; }

    /// <summary>Reads a number, or returns <paramref name="fallback"/> when the setting is absent.</summary>
    public double Double(string name, double fallback) => Read(name, fallback, value => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        decimal m => (double)m,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw Bad(name, value, "a number"),
    });

    /// <summary>Reads a whole number, or returns <paramref name="fallback"/> when the setting is absent.</summary>
    public int Int(string name, int fallback) => Read(name, fallback, value => WholeNumber(value) ?? throw Bad(name, value, "a whole number"));

    /// <summary>Reads an optional whole number: null when absent.</summary>
    public int? OptionalInt(string name) => _values.ContainsKey(name) ? Int(name, 0) : Remember<int?>(name, null);

    /// <summary>Reads true/false, or returns <paramref name="fallback"/> when the setting is absent.</summary>
    public bool Bool(string name, bool fallback) => Read(name, fallback, value => value switch
    {
        bool b => b,
        string s when bool.TryParse(s, out var parsed) => parsed,
        _ => throw Bad(name, value, "true or false"),
    });

    /// <summary>
    /// Reads a layer map: <c>uniform</c>, <c>last</c>, or a list with a teacher layer for each student layer.
    /// </summary>
    public LayerMap LayerMap(string name, LayerMap fallback) => Read(name, fallback, value => value switch
    {
        LayerMap map => map,
        string s when s.Equals("uniform", StringComparison.OrdinalIgnoreCase) => Losses.LayerMap.Uniform,
        string s when s.Equals("last", StringComparison.OrdinalIgnoreCase) => Losses.LayerMap.Last,
        IEnumerable list and not string => Losses.LayerMap.Explicit(list.Cast<object?>()
            .Select(item => WholeNumber(item) ?? throw Bad(name, item, "uniform, last, or a list of teacher layer numbers"))
            .ToArray()),
        _ => throw Bad(name, value, "uniform, last, or a list of teacher layer numbers"),
    });

    /// <summary>Reads one of an enum's names (case-insensitive), or returns the fallback when absent.</summary>
    public TEnum Enum<TEnum>(string name, TEnum fallback)
        where TEnum : struct, Enum => Read(name, fallback, value =>
            value is string s && System.Enum.TryParse<TEnum>(s, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
                ? parsed
                : throw Bad(name, value, "one of " + string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))));

    /// <summary>Throws if a setting was given that no reader asked for.</summary>
    public void ThrowIfUnknown()
    {
        var unknown = _values.Keys.Where(k => !_known.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            var known = _known.Count == 0 ? "none" : string.Join(", ", _known);
            throw new ArgumentException($"Loss '{Key}' has no setting '{unknown[0]}'. Known: {known}");
        }
    }

    /// <summary>An int from any integral number, a whole double, or a numeric string; null for anything else or out of range.</summary>
    private static int? WholeNumber(object? value) => value switch
    {
        int i => i,
        long l and >= int.MinValue and <= int.MaxValue => (int)l,
        double d when d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue => (int)d,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    private T Read<T>(string name, T fallback, Func<object?, T> convert)
    {
        Remember(name, fallback);
        return _values.TryGetValue(name, out var value) ? convert(value) : fallback;
    }

    private T Remember<T>(string name, T value)
    {
        if (!_known.Contains(name))
        {
            _known.Add(name);
        }

        return value;
    }

    private ArgumentException Bad(string name, object? value, string expected) =>
        new($"Loss '{Key}': {name} must be {expected} (was '{Convert.ToString(value, CultureInfo.InvariantCulture)}')");
}
