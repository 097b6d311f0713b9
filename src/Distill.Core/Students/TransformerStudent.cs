using Distill.Students.Internal;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys (Hugging Face's)

namespace Distill.Students;

/// <summary>
/// BERT-layout transformer classifier (Devlin et al. 2019): token, position and segment embeddings with LayerNorm;
/// N post-LayerNorm encoder layers of multi-head self-attention and a GELU feed-forward block; a tanh pooler over
/// the first token; a linear classifier. Parameter names are Hugging Face's BertForSequenceClassification names
/// (<c>bert.embeddings.word_embeddings.weight</c>, <c>bert.encoder.layer.0.attention.self.query.weight</c>, ...,
/// <c>classifier.weight</c>), so its checkpoints load by name.
/// </summary>
/// <remarks>
/// Padded keys get <see cref="MaskValue"/> added to their scores before the softmax, as in the original BERT; the
/// scores returned as intermediates are taken before that, and the probabilities after the softmax.
/// </remarks>
public sealed class TransformerStudent : StudentModel
{
    /// <summary>
    /// What padded keys add to the attention scores: −10000, as in Google's BERT. It zeroes their probability in
    /// float32 and still fits float16, unlike the dtype's minimum.
    /// </summary>
    public const float MaskValue = -10000f;

    private readonly BertModel bert;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    /// <summary>Builds a randomly initialised transformer; use <see cref="StudentOptions.CreateModel"/> to validate first.</summary>
    public TransformerStudent(TransformerStudentOptions options)
        : base(nameof(TransformerStudent), options)
    {
        options.ThrowIfInvalid();
        bert = new BertModel(options);
        dropout = nn.Dropout(options.HiddenDropout);
        classifier = nn.Linear(options.Hidden, options.NumLabels);
        RegisterComponents();
    }

    /// <summary>The transformer's settings.</summary>
    public TransformerStudentOptions Settings => (TransformerStudentOptions)Options;

    /// <inheritdoc />
    public override bool TakesTokens => true;

    /// <summary>Runs the model. Intermediates follow <see cref="StudentInput.Capture"/>.</summary>
    public override StudentOutput forward(StudentInput input)
    {
        var (ids, mask) = RequireTokens(input);
        if (ids.shape[1] > Settings.MaxPositions)
        {
            throw new ArgumentException(
                $"transformer student: sequence length {ids.shape[1]} exceeds max_positions {Settings.MaxPositions}; truncate the input", nameof(input));
        }

        var types = input.TokenTypeIds ?? zeros_like(ids);
        var capture = input.Capture;
        var hidden = bert.Embeddings.Forward(ids, types);
        var additiveMask = (1 - mask.to(hidden.dtype)).view(mask.shape[0], 1, 1, mask.shape[1]) * MaskValue;

        var hiddenStates = capture.HasFlag(Intermediates.HiddenStates) ? new List<Tensor> { hidden } : null;
        var scores = capture.HasFlag(Intermediates.AttentionScores) ? new List<Tensor>() : null;
        var probabilities = capture.HasFlag(Intermediates.AttentionProbabilities) ? new List<Tensor>() : null;
        var values = capture.HasFlag(Intermediates.Values) ? new List<Tensor>() : null;
        foreach (var layer in bert.Encoder.Layers)
        {
            var result = layer.Forward(hidden, additiveMask);
            hidden = result.Hidden;
            hiddenStates?.Add(hidden);
            scores?.Add(result.Scores);
            probabilities?.Add(result.Probabilities);
            values?.Add(result.Values);
        }

        var logits = classifier.call(dropout.call(bert.Pooler.Forward(hidden)));
        return new StudentOutput
        {
            Logits = logits,
            HiddenStates = hiddenStates,
            AttentionScores = scores,
            AttentionProbabilities = probabilities,
            Values = values,
        };
    }
}
