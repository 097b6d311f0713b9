using System.Globalization;

namespace Distill.Teacher;

/// <summary>
/// A CNN teacher's feature map at the end of one stage: the last tensor before a spatial downsampling (a strided Conv,
/// a MaxPool or an AveragePool) or before the graph flattens or pools it globally. These are the maps attention
/// transfer (Zagoruyko and Komodakis) compares.
/// </summary>
/// <param name="Index">The stage, from 0, in the graph's order.</param>
/// <param name="TensorName">The tensor inside the graph, e.g. <c>/relu1/Relu_output_0</c>.</param>
/// <param name="EndsAt">The node that ends the stage and what it is: <c>MaxPool /pool1/MaxPool</c>, <c>Flatten /Flatten</c>.</param>
/// <param name="Shape">[batch, channels, height, width], as far as the graph tells it; null entries are unknown (the batch, say).</param>
public sealed record TeacherFeatureMap(int Index, string TensorName, string EndsAt, IReadOnlyList<long?> Shape)
{
    /// <summary>The losses' name for the map, e.g. <c>feature_maps[1]</c>.</summary>
    public string Label => $"feature_maps[{Index}]";

    /// <summary>The shape as <c>inspect</c> prints it: <c>[?, 16, 14, 14]</c>.</summary>
    public string DescribeShape() => $"[{string.Join(", ", Shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?"))}]";

    /// <inheritdoc/>
    public override string ToString() => $"{Label} = {TensorName} {DescribeShape()} (before {EndsAt})";
}
