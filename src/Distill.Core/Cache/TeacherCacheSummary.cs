namespace Distill.Cache;

/// <summary>What a cache folder holds, for <c>distill cache inspect</c>: readable without opening any shard.</summary>
public sealed record TeacherCacheSummary
{
    /// <summary>The manifest.</summary>
    public required TeacherCacheManifest Manifest { get; init; }

    /// <summary>The cache folder.</summary>
    public required string Folder { get; init; }

    /// <summary>Shards present (not checked; <see cref="TeacherCache.Open"/> verifies them).</summary>
    public required int ShardsPresent { get; init; }

    /// <summary>Bytes of all shard files together.</summary>
    public required long Bytes { get; init; }

    /// <summary>True when every shard is present.</summary>
    public bool Complete => ShardsPresent == Manifest.Shards;

    /// <summary>Stored bytes per row on average.</summary>
    public double BytesPerRow => Manifest.Rows == 0 ? 0 : (double)Bytes / Manifest.Rows;

    /// <summary>A few lines for people: key, rows, tensors, size, teacher, created.</summary>
    public override string ToString() =>
        $"cache {Manifest.Key} ({(Complete ? "complete" : $"{ShardsPresent} of {Manifest.Shards} shards")})\n" +
        $"  rows      {Manifest.Rows} in {Manifest.Shards} shards of {Manifest.RowsPerShard}\n" +
        $"  tensors   {string.Join(", ", Manifest.Tensors.Select(t => $"{t.Name} {t.DimsText}"))} as {Manifest.ElementType.ToString().ToLowerInvariant()}\n" +
        $"  size      {Bytes:N0} bytes ({BytesPerRow:N0} per row)\n" +
        $"  teacher   {Manifest.TeacherPath} ({Manifest.TeacherHash})\n" +
        $"  created   {Manifest.CreatedUtc:u} by Distill {Manifest.DistillVersion}";
}
