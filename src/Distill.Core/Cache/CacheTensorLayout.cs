namespace Distill.Cache;

/// <summary>
/// The per-row shape of a cached tensor. <see cref="Dims"/> holds <see cref="RowLength"/> (−1) where the row's true
/// length goes: <c>[12, −1, −1]</c> is [heads, L, L].
/// </summary>
/// <param name="Name">Cache name of the tensor.</param>
/// <param name="Kind">Its layout kind.</param>
/// <param name="Dims">Per-row dims, −1 for the row length.</param>
public sealed record CacheTensorLayout(string Name, CachedTensorKind Kind, IReadOnlyList<long> Dims)
{
    /// <summary>The placeholder for the row's length in <see cref="Dims"/>.</summary>
    public const long RowLength = -1;

    /// <summary>The dims of a row of length <paramref name="length"/>.</summary>
    public long[] DimsFor(int length) => Dims.Select(d => d == RowLength ? length : d).ToArray();

    /// <summary>Number of values of a row of length <paramref name="length"/>.</summary>
    public long ElementsFor(int length)
    {
        // A loop over the list, no LINQ: this runs for every tensor of every row read.
        long count = 1;
        for (var i = 0; i < Dims.Count; i++)
        {
            count *= Dims[i] == RowLength ? length : Dims[i];
        }

        return count;
    }

    /// <summary>The dims as people read them: <c>[12, L, L]</c>.</summary>
    public string DimsText => "[" + string.Join(", ", Dims.Select(d => d == RowLength ? "L" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
