using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet.Internal;

/// <summary>
/// Makes <see cref="SchemaShape.Column"/>s, which an estimator's <c>GetOutputSchema(SchemaShape)</c> must return but
/// whose only constructor is internal to ML.NET (5.0.1: <c>Column(string, VectorKind, DataViewType, bool,
/// SchemaShape)</c>). This is Distill's one reflective call into ML.NET; <c>SchemaShapeColumnsTests</c> fails loudly
/// when an ML.NET update moves it.
/// </summary>
internal static class SchemaShapeColumns
{
    private static readonly Lazy<ConstructorInfo> Constructor = new(Find);

    /// <summary>
    /// A column of the shape: <paramref name="itemType"/> is the item type of a vector, and for a key column the key's
    /// raw type (<see cref="NumberDataViewType.UInt32"/>) with <paramref name="isKey"/> set, as ML.NET writes them.
    /// </summary>
    public static SchemaShape.Column Create(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey = false, SchemaShape? annotations = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(itemType);
        try
        {
            return (SchemaShape.Column)Constructor.Value.Invoke([name, kind, itemType, isKey, annotations ?? new SchemaShape([])]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static ConstructorInfo Find() =>
        typeof(SchemaShape.Column).GetConstructor(
            BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic,
            [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)])
        ?? throw new InvalidOperationException(
            $"ML.NET {typeof(SchemaShape).Assembly.GetName().Version} has no SchemaShape.Column(string, VectorKind, DataViewType, bool, SchemaShape) " +
            "constructor, which Distill's estimators need for GetOutputSchema; use the ML.NET version Distill was built with (5.0.1) " +
            "or update Distill.MLNet.Internal.SchemaShapeColumns");
}
