using System.Text.Json.Nodes;

namespace Distill.MLNet.Internal;

/// <summary>Typed reads of a saved transformer's settings, with errors that name the manifest file and the key.</summary>
internal sealed class ManifestReader
{
    private readonly string _path;
    private readonly JsonObject _settings;

    public ManifestReader(string path, JsonObject settings)
    {
        _path = path;
        _settings = settings;
    }

    public string String(string key) => OptionalString(key) ?? throw Invalid(key, "a string");

    public string? OptionalString(string key) => Get<string>(key, "a string or null");

    public int Int(string key) => Get<int?>(key, "a whole number") ?? throw Invalid(key, "a whole number");

    public bool Bool(string key) => Get<bool?>(key, "true or false") ?? throw Invalid(key, "true or false");

    public bool? OptionalBool(string key) => Get<bool?>(key, "true, false or null");

    public IReadOnlyList<int>? OptionalInts(string key)
    {
        var node = _settings[key];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array || array.Any(item => item is not JsonValue value || !value.TryGetValue<int>(out _)))
        {
            throw Invalid(key, "a list of whole numbers or null");
        }

        return array.Select(item => item!.GetValue<int>()).ToList();
    }

    public JsonArray Array(string key) => _settings[key] as JsonArray ?? throw Invalid(key, "a list");

    public JsonObject Object(string key) => _settings[key] as JsonObject ?? throw Invalid(key, "an object");

    /// <summary>Throws when the saved value of <paramref name="key"/> is not <paramref name="actual"/>.</summary>
    public void Expect(string key, string actual, string fix)
    {
        var saved = String(key);
        if (!string.Equals(saved, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw MLNetErrors.SettingDiffers(_path, key, saved, actual, fix);
        }
    }

    private T? Get<T>(string key, string expected)
    {
        var node = _settings[key];
        if (node is null)
        {
            return default;
        }

        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw Invalid(key, expected);
        }
    }

    private DistillException Invalid(string key, string expected) => MLNetErrors.BadSetting(_path, key, expected, _settings[key]);
}
