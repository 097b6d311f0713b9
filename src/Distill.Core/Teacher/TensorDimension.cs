namespace Distill.Teacher;

/// <summary>One dimension of a declared tensor shape: a fixed size, a symbolic name (e.g. <c>batch</c>), or unknown.</summary>
/// <param name="Value">The fixed size, or null.</param>
/// <param name="Symbol">The symbolic name, or null.</param>
public readonly record struct TensorDimension(long? Value, string? Symbol)
{
    /// <summary>The size, the symbol, or <c>?</c> when the model leaves the dimension unnamed.</summary>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
