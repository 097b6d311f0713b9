using System.Reflection;
using Distill.MLNet.Internal;
using Microsoft.ML;
using Microsoft.ML.Data;
using VectorKind = Microsoft.ML.SchemaShape.Column.VectorKind;

namespace Distill.Core.Tests.MLNet;

/// <summary>
/// Distill's one reflective call into ML.NET (the internal SchemaShape.Column constructor). If an ML.NET update moves
/// or changes it, these tests fail first, with the reason.
/// </summary>
public sealed class SchemaShapeColumnsTests
{
    [Fact]
    public void Create_Should_MakeTheColumnsMLNetMakes_When_GivenEveryKind()
    {
        var annotations = new SchemaShape([SchemaShapeColumns.Create("KeyValues", VectorKind.Vector, TextDataViewType.Instance)]);

        var text = SchemaShapeColumns.Create("Text", VectorKind.Scalar, TextDataViewType.Instance);
        var ids = SchemaShapeColumns.Create("Ids", VectorKind.VariableVector, NumberDataViewType.Int64);
        var key = SchemaShapeColumns.Create("Label", VectorKind.Scalar, NumberDataViewType.UInt32, isKey: true, annotations);

        (text.Name, text.Kind, text.ItemType, text.IsKey).Should().Be(("Text", VectorKind.Scalar, (DataViewType)TextDataViewType.Instance, false));
        (ids.Kind, ids.ItemType).Should().Be((VectorKind.VariableVector, (DataViewType)NumberDataViewType.Int64));
        (key.IsKey, key.ItemType).Should().Be((true, (DataViewType)NumberDataViewType.UInt32));
        key.Annotations.Single().Name.Should().Be("KeyValues");
        text.Annotations.Should().BeEmpty();
    }

    [Fact]
    public void Of_Should_EqualMLNetsOwnSchemaShape_When_TheSchemaHasKeysVectorsAndAnnotations()
    {
        var mlContext = new MLContext(1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new Row { Text = "a", Values = [1, 2] }, new Row { Text = "b", Values = [3, 4] } });
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("Key", "Text").Fit(data).Transform(data);
        var create = typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DataViewSchema)])
            ?? throw new InvalidOperationException("ML.NET no longer has the internal SchemaShape.Create(DataViewSchema) this test compares with");

        var expected = (SchemaShape)create.Invoke(null, [keyed.Schema])!;
        var actual = SchemaShapes.Of(keyed.Schema);

        Describe(actual).Should().Equal(Describe(expected));
    }

    [Fact]
    public void MLNet_Should_BeTheVersionTheReflectionWasCheckedOn_When_TheTestsRun()
    {
        // Moving to another ML.NET is fine once the tests above pass on it: then update this version.
        var version = typeof(SchemaShape).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        version.Should().StartWith("5.0.", "SchemaShapeColumns was checked against ML.NET 5.0.1; check it again on another version");
    }

    private static IEnumerable<string> Describe(SchemaShape shape) =>
        shape.Select(c => $"{c.Name}:{c.Kind}:{c.ItemType}:{c.IsKey}:[{string.Join(",", c.Annotations.Select(a => $"{a.Name}:{a.Kind}:{a.ItemType}:{a.IsKey}"))}]");

    private sealed class Row
    {
        public string Text { get; set; } = string.Empty;

        [VectorType(2)]
        public float[] Values { get; set; } = [];
    }
}
