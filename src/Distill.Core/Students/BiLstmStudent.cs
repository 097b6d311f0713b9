using Distill.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys

namespace Distill.Students;

/// <summary>
/// Bidirectional LSTM text classifier (Tang et al. 2019): embeddings, a BiLSTM run over each row's true length only
/// (packed sequences, so padding never enters either direction), a pooling, ReLU layer, classifier. Its output for a
/// sentence does not depend on how much padding its batch has.
/// </summary>
public sealed class BiLstmStudent : StudentModel
{
    private readonly Embedding embedding;
    private readonly LSTM lstm;
    private readonly Dropout dropout;
    private readonly Linear mlp;
    private readonly Linear classifier;

    /// <summary>Builds a randomly initialised BiLSTM student.</summary>
    public BiLstmStudent(BiLstmStudentOptions options)
        : base(nameof(BiLstmStudent), options)
    {
        using var construction = NewDisposeScope(); // see KeepParametersAndBuffers
        options.ThrowIfInvalid();
        embedding = nn.Embedding(options.VocabSize, options.EmbeddingDim);
        lstm = nn.LSTM(options.EmbeddingDim, options.HiddenSize, numLayers: options.Layers, batchFirst: true, bidirectional: true);
        dropout = nn.Dropout(options.Dropout);
        mlp = nn.Linear(2 * options.HiddenSize, options.MlpHidden);
        classifier = nn.Linear(options.MlpHidden, options.NumLabels);
        RegisterComponents();
        KeepParametersAndBuffers();
    }

    /// <summary>The student's settings.</summary>
    public BiLstmStudentOptions Settings => (BiLstmStudentOptions)Options;

    /// <inheritdoc />
    public override bool TakesTokens => true;

    /// <inheritdoc />
    public override StudentOutput forward(StudentInput input)
    {
        var (ids, mask) = RequireTokens(input);
        var sequence = ids.shape[1];
        // A row without any token would have nothing to run over: it is treated as one token long.
        var lengths = mask.sum(1).AtLeast(1).to(ScalarType.Int64).cpu();
        var embedded = dropout.call(embedding.call(ids));
        var packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths, batch_first: true, enforce_sorted: false);
        var (output, finalHidden, _) = lstm.call(packed);

        Tensor pooled;
        if (Settings.Pooling == SequencePooling.Last)
        {
            // finalHidden is [layers·2, batch, hidden]: the last two rows are the top layer's two directions.
            pooled = cat([finalHidden[-2], finalHidden[-1]], 1);
        }
        else
        {
            var (states, _) = nn.utils.rnn.pad_packed_sequence(output, batch_first: true, total_length: sequence);
            var tokens = HeldScalarOps.Range(sequence, ScalarType.Int64, ids.device).unsqueeze(0).lt(lengths.to(ids.device).unsqueeze(1)).unsqueeze(2);
            pooled = Settings.Pooling == SequencePooling.Max
                ? states.Filled(tokens.logical_not(), double.NegativeInfinity).amax([1])
                : states.sum(1) / lengths.to(states.dtype).to(states.device).unsqueeze(1);
        }

        var hidden = dropout.call(nn.functional.relu(mlp.call(pooled)));
        return new StudentOutput { Logits = classifier.call(hidden) };
    }
}
