using Microsoft.ML;

namespace Distill.MLNet;

/// <summary>The entry point of Distill's ML.NET estimators: <c>mlContext.Distillation()</c>.</summary>
public static class DistillationMLContextExtensions
{
    /// <summary>Distill's catalog of estimators: tokenizer, teacher outputs, student trainers.</summary>
    public static DistillationCatalog Distillation(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new DistillationCatalog(mlContext);
    }
}
