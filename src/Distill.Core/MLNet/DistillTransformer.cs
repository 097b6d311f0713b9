using System.Text.Json.Nodes;
using Distill.MLNet.Internal;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.MLNet;

/// <summary>
/// What Distill's fitted transformers share: each adds columns to its input and leaves the input's columns as they
/// are; each is a row-to-row mapper, so a <c>PredictionEngine</c> runs it one row at a time, while
/// <see cref="Transform"/> computes rows in batches as cursors read them. Save and load them with
/// <see cref="DistillModel"/>: ML.NET's model loader cannot find transformers from other assemblies.
/// </summary>
/// <remarks>
/// Distill's transformers are deliberately not <see cref="IDisposable"/>: ML.NET 5 disposes every disposable
/// transformer of a model when a <c>PredictionEngine</c> made from it is disposed (and when its
/// <c>TransformerChain</c> is), which would leave the model unusable while the caller still holds it. What they hold
/// (an ONNX Runtime session, a TorchSharp module) is released when they are collected, or at once through
/// <see cref="TeacherOutputsTransformer.Teacher"/>'s or <see cref="StudentPredictionTransformer.Student"/>'s
/// <c>Dispose()</c> once the model is no longer used.
/// </remarks>
public abstract class DistillTransformer : ITransformer
{
    private protected DistillTransformer()
    {
    }

    /// <summary>Always true: the transformer maps each row on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input columns followed by the added ones.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the transformer reads is missing or of the wrong type.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return Bind(inputSchema).OutputSchema;
    }

    /// <summary>A lazy view of <paramref name="input"/> with the added columns, computed as they are read.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the transformer reads is missing or of the wrong type.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Bind(input.Schema).Transform(input);
    }

    /// <summary>The mapper a <c>PredictionEngine</c> runs one row at a time.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column the transformer reads is missing or of the wrong type.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return Bind(inputSchema).CreateRowMapper();
    }

    /// <summary>Not supported: ML.NET's loader could not find the transformer again. Use <see cref="DistillModel.Save"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        $"{GetType().Name} cannot be saved by ML.NET's model saver (ML.NET's loader cannot find third-party transformers); " +
        "save the model with Distill.MLNet.DistillModel.Save(model, folder) and load it with DistillModel.Load(mlContext, folder)");

    /// <summary>The transformer's kind in a saved model's manifest.</summary>
    internal abstract string Kind { get; }

    /// <summary>Checks <paramref name="inputSchema"/> and binds the transformer to it.</summary>
    internal abstract IBoundMapping Bind(DataViewSchema inputSchema);

    /// <summary>Releases the session or module the transformer holds (when a load fails part-way).</summary>
    internal virtual void Release()
    {
    }

    /// <summary>Writes the transformer's files into <paramref name="folder"/> (which exists and is empty) and returns its settings for the manifest.</summary>
    internal abstract JsonObject SaveTo(string folder);
}
