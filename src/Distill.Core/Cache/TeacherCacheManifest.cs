using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Cache.Internal;

namespace Distill.Cache;

/// <summary>
/// What a cache folder holds, written once as <c>manifest.json</c> before any shard. The shards that exist say how far
/// the build got: the cache is complete when all <see cref="Shards"/> are present and verify.
/// </summary>
public sealed record TeacherCacheManifest
{
    /// <summary>Format name written to the file.</summary>
    public const string FormatName = "distill.teacher-cache";

    /// <summary>The format version this Distill writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>File name of the manifest in a cache folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary><see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>Format version.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The content key: a hash of the teacher, the rows, the tokenizer and the options.</summary>
    public required string Key { get; init; }

    /// <summary>The teacher model's path when the cache was created (informational).</summary>
    public required string TeacherPath { get; init; }

    /// <summary>Content hash of the teacher model.</summary>
    public required string TeacherHash { get; init; }

    /// <summary>The teacher's number of transformer layers (what layer maps are resolved against); null when unknown.</summary>
    public int? TeacherLayers { get; init; }

    /// <summary>Number of rows (positions 0..Rows−1).</summary>
    public required int Rows { get; init; }

    /// <summary>Rows per shard; shard i holds positions [i·RowsPerShard, (i+1)·RowsPerShard).</summary>
    public required int RowsPerShard { get; init; }

    /// <summary>Number of shards.</summary>
    public int Shards => (Rows + RowsPerShard - 1) / RowsPerShard;

    /// <summary>Storage precision.</summary>
    public required CacheElementType ElementType { get; init; }

    /// <summary>The tensors of every row, in storage order.</summary>
    public required IReadOnlyList<CacheTensorLayout> Tensors { get; init; }

    /// <summary>What else the key covers, as the caller described it (tokenizer, maximum length, augmentation, ...).</summary>
    public IReadOnlyDictionary<string, string> Description { get; init; } = new Dictionary<string, string>();

    /// <summary>When the build started (UTC).</summary>
    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The Distill version that created it.</summary>
    public string DistillVersion { get; init; } = string.Empty;

    /// <summary>Bytes per stored value.</summary>
    public int ElementSize => ElementType == CacheElementType.Float16 ? 2 : 4;

    internal static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Reads the manifest of a cache folder.</summary>
    /// <exception cref="DistillException">It is missing, unreadable, or of another format.</exception>
    public static TeacherCacheManifest Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw CacheErrors.NotACache(folder);
        }

        TeacherCacheManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<TeacherCacheManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw CacheErrors.ManifestUnreadable(path, e);
        }

        if (manifest is null || manifest.Format != FormatName)
        {
            throw CacheErrors.NotAManifest(path);
        }

        if (manifest.FormatVersion != CurrentFormatVersion)
        {
            throw CacheErrors.ManifestFormatVersion(path, manifest.FormatVersion);
        }

        return manifest;
    }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="DistillException">The cache does not hold it.</exception>
    public CacheTensorLayout Tensor(string name)
    {
        // A loop, no LINQ: readers look tensors up for every row.
        for (var i = 0; i < Tensors.Count; i++)
        {
            if (Tensors[i].Name == name)
            {
                return Tensors[i];
            }
        }

        throw CacheErrors.NoSuchTensor(Key, name, Tensors);
    }
}
