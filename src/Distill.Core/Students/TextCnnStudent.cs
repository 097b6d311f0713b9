using Distill.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys

namespace Distill.Students;

/// <summary>
/// Kim's CNN for sentence classification: convolutions of several widths over the word embeddings, ReLU, max over
/// time, dropout, classifier. Padding is handled so that a sentence's output does not depend on its batch: padded
/// embeddings are zeroed, each convolution is wide (zero padding of width − 1 on both sides, so even a one-token
/// sentence has windows), and the maximum runs over the windows that touch at least one real token.
/// </summary>
public sealed class TextCnnStudent : StudentModel
{
    private readonly Embedding embedding;
    private readonly ModuleList<Conv1d> convs;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    /// <summary>Builds a randomly initialised text CNN.</summary>
    public TextCnnStudent(TextCnnStudentOptions options)
        : base(nameof(TextCnnStudent), options)
    {
        using var construction = NewDisposeScope(); // see KeepParametersAndBuffers
        options.ThrowIfInvalid();
        embedding = nn.Embedding(options.VocabSize, options.EmbeddingDim);
        convs = nn.ModuleList(options.FilterWidths
            .Select(w => nn.Conv1d(options.EmbeddingDim, options.FiltersPerWidth, w, padding: w - 1))
            .ToArray());
        dropout = nn.Dropout(options.Dropout);
        classifier = nn.Linear(options.FiltersPerWidth * options.FilterWidths.Count, options.NumLabels);
        RegisterComponents();
        KeepParametersAndBuffers();
    }

    /// <summary>The student's settings.</summary>
    public TextCnnStudentOptions Settings => (TextCnnStudentOptions)Options;

    /// <inheritdoc />
    public override bool TakesTokens => true;

    /// <inheritdoc />
    public override StudentOutput forward(StudentInput input)
    {
        var (ids, mask) = RequireTokens(input);
        var tokens = mask.to(ScalarType.Float32);
        var lengths = mask.sum(1, keepdim: true);                            // [batch, 1]
        var x = (embedding.call(ids) * tokens.unsqueeze(2)).transpose(1, 2); // [batch, embedding, sequence]
        var pooled = new List<Tensor>();
        for (var i = 0; i < convs.Count; i++)
        {
            var width = Settings.FilterWidths[i];
            var features = nn.functional.relu(convs[i].call(x));             // [batch, filters, sequence + width − 1]
            var positions = HeldScalarOps.Range(features.shape[2], ScalarType.Int64, ids.device).unsqueeze(0);
            var touchesToken = positions.lt(lengths.Plus(width - 1)).unsqueeze(1); // [batch, 1, positions]
            pooled.Add(features.Filled(touchesToken.logical_not(), double.NegativeInfinity).amax([2]));
        }

        return new StudentOutput { Logits = classifier.call(dropout.call(cat(pooled, 1))) };
    }
}
