namespace Distill.Cache;

/// <summary>How the cache stores values.</summary>
public enum CacheElementType
{
    /// <summary>IEEE half precision: half the size of float32, about 3 significant digits. The default.</summary>
    Float16,

    /// <summary>IEEE single precision, as the teacher computed them.</summary>
    Float32,
}
