namespace Distill.Cache;

/// <summary>What a cache build did.</summary>
public sealed record TeacherCacheBuildResult
{
    /// <summary>The cache's content key.</summary>
    public required string Key { get; init; }

    /// <summary>The cache folder (the root joined with the key).</summary>
    public required string Folder { get; init; }

    /// <summary>Shards this process built.</summary>
    public required IReadOnlyList<int> Built { get; init; }

    /// <summary>Shards this process found already built and verified (a resumed or repeated build).</summary>
    public required IReadOnlyList<int> Reused { get; init; }

    /// <summary>Shards that were present but damaged, with the reason; they were rebuilt.</summary>
    public required IReadOnlyList<string> Rebuilt { get; init; }

    /// <summary>True when every shard of the cache is present (this process's and the others').</summary>
    public required bool Complete { get; init; }

    /// <summary>True when nothing had to be computed: the cache was already there.</summary>
    public bool WasHit => Built.Count == 0 && Rebuilt.Count == 0;
}
