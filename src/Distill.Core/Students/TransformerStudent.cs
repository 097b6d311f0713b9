using Distill.Losses;
using Distill.Students.Internal;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys (Hugging Face's)

namespace Distill.Students;

/// <summary>
/// BERT-layout transformer classifier (Devlin et al. 2019): token, position and segment embeddings with LayerNorm;
/// N post-LayerNorm encoder layers of multi-head self-attention and a GELU feed-forward block; a tanh pooler over
/// the first token (or the mean of the tokens, <see cref="TransformerStudentOptions.Pooling"/>); a linear classifier. Parameter names are Hugging Face's BertForSequenceClassification names
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
        using var construction = NewDisposeScope(); // see KeepParametersAndBuffers
        options.ThrowIfInvalid();
        bert = new BertModel(options);
        dropout = nn.Dropout(options.HiddenDropout);
        classifier = nn.Linear(options.Hidden, options.NumLabels);
        RegisterComponents();
        KeepParametersAndBuffers();
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
        var hidden = bert.Embeddings.Forward(ids, types);
        return Run(hidden, mask, 0, input.Capture);
    }

    /// <summary>
    /// Continues the model from a hidden state: runs encoder layers <paramref name="firstLayer"/> to N − 1, then the
    /// pooler and the classifier, and returns the logits, [batch, classes]. With <c>firstLayer</c> 0 and the embedding
    /// output this is <see cref="forward"/>; with <c>firstLayer</c> N it is the head only. Block-wise distillation runs
    /// a frozen teacher's tail this way on a student's (projected) hidden state.
    /// </summary>
    /// <param name="hidden">The input of layer <paramref name="firstLayer"/> (the output of the layer before it, or the
    /// embeddings), [batch, sequence, hidden], floating point.</param>
    /// <param name="attentionMask">1 for tokens, 0 for padding, [batch, sequence].</param>
    /// <param name="firstLayer">The first encoder layer to run, 0 to N (the layer count).</param>
    /// <exception cref="ArgumentException">A shape does not match the model or the layer is out of range.</exception>
    public Tensor ForwardFromLayer(Tensor hidden, Tensor attentionMask, int firstLayer)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(attentionMask);
        var layers = Settings.Layers;
        if (firstLayer < 0 || firstLayer > layers)
        {
            throw new ArgumentException(
                $"transformer student: firstLayer must be 0 to {layers} (the layer count, for the head only), was {firstLayer}", nameof(firstLayer));
        }

        if (hidden.dim() != 3 || hidden.shape[2] != Settings.Hidden || !hidden.is_floating_point())
        {
            throw new ArgumentException(
                $"transformer student: hidden must be floating point of shape [batch, sequence, {Settings.Hidden}] (hidden = {Settings.Hidden}), got {hidden.dtype} [{string.Join(", ", hidden.shape)}]", nameof(hidden));
        }

        if (attentionMask.dim() != 2 || attentionMask.shape[0] != hidden.shape[0] || attentionMask.shape[1] != hidden.shape[1])
        {
            throw new ArgumentException(
                $"transformer student: attentionMask must be [batch, sequence] = [{hidden.shape[0]}, {hidden.shape[1]}] like hidden, got [{string.Join(", ", attentionMask.shape)}]", nameof(attentionMask));
        }

        using var scope = NewDisposeScope();
        return Run(hidden, attentionMask, firstLayer, Intermediates.None).Logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The layers from <paramref name="firstLayer"/> on and the head: the one path of <see cref="forward"/> and
    /// <see cref="ForwardFromLayer"/>, so that a teacher's tail computes exactly what its full forward does.
    /// </summary>
    private StudentOutput Run(Tensor hidden, Tensor mask, int firstLayer, Intermediates capture)
    {
        var additiveMask = mask.to(hidden.dtype).SubtractedFrom(1).view(mask.shape[0], 1, 1, mask.shape[1]).Times(MaskValue);

        var hiddenStates = capture.HasFlag(Intermediates.HiddenStates) ? new List<Tensor> { hidden } : null;
        var scores = capture.HasFlag(Intermediates.AttentionScores) ? new List<Tensor>() : null;
        var probabilities = capture.HasFlag(Intermediates.AttentionProbabilities) ? new List<Tensor>() : null;
        var values = capture.HasFlag(Intermediates.Values) ? new List<Tensor>() : null;
        foreach (var layer in bert.Encoder.Layers.Skip(firstLayer))
        {
            var result = layer.Forward(hidden, additiveMask);
            hidden = result.Hidden;
            hiddenStates?.Add(hidden);
            scores?.Add(result.Scores);
            probabilities?.Add(result.Probabilities);
            values?.Add(result.Values);
        }

        var logits = classifier.call(dropout.call(Pool(hidden, mask)));
        return new StudentOutput
        {
            Logits = logits,
            HiddenStates = hiddenStates,
            AttentionScores = scores,
            AttentionProbabilities = probabilities,
            Values = values,
        };
    }

    /// <summary>The classifier's input: the pooler over [CLS], or the mean over the tokens the mask keeps.</summary>
    private Tensor Pool(Tensor hidden, Tensor mask)
    {
        if (bert.Pooler is { } pooler)
        {
            return pooler.Forward(hidden);
        }

        var weights = mask.to(hidden.dtype).unsqueeze(-1);
        return hidden.mul(weights).sum(1).div(weights.sum(1).AtLeast(1e-9));
    }
}
