namespace Distill.Recipes;

/// <summary>The teacher cache of a recipe (key <c>cache</c>). Which tensors it keeps follows from the loss terms.</summary>
public sealed record CacheSettings
{
    /// <summary>Folder of caches. Key <c>dir</c>, default <c>.distill/cache</c> beside the working folder.</summary>
    public string Dir { get; init; } = System.IO.Path.Combine(".distill", "cache");

    /// <summary>float16 or float32. Key <c>dtype</c>, default float16.</summary>
    public string Dtype { get; init; } = "float16";

    /// <summary>Key <c>rows_per_shard</c>, default 2048.</summary>
    public int RowsPerShard { get; init; } = 2048;

    /// <summary>Rows per teacher batch. Key <c>batch_size</c>, default 64.</summary>
    public int BatchSize { get; init; } = 64;
}
