using Distill.Students;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students;

/// <summary>Small students and batches the student, checkpoint and export tests share.</summary>
internal static class StudentFixtures
{
    public const int Vocab = 50;

    public static TransformerStudentOptions SmallTransformer(int labels = 3) => new()
    {
        NumLabels = labels, VocabSize = Vocab, MaxPositions = 32, Layers = 2, Hidden = 16, Heads = 4, Intermediate = 24,
    };

    public static BiLstmStudentOptions SmallBiLstm(SequencePooling pooling = SequencePooling.Last, int layers = 1) => new()
    {
        NumLabels = 3, VocabSize = Vocab, EmbeddingDim = 8, HiddenSize = 6, Layers = layers, MlpHidden = 10, Pooling = pooling,
    };

    public static TextCnnStudentOptions SmallTextCnn() => new()
    {
        NumLabels = 3, VocabSize = Vocab, EmbeddingDim = 8, FilterWidths = [2, 3, 5], FiltersPerWidth = 4,
    };

    public static MlpStudentOptions SmallMlp(MlpActivation activation = MlpActivation.Relu) => new()
    {
        NumLabels = 4, InputSize = 12, HiddenSizes = [16, 8], Activation = activation,
    };

    public static ImageCnnStudentOptions SmallImageCnn() => new()
    {
        NumLabels = 5, InputChannels = 3, StageChannels = [4, 8, 8], BlocksPerStage = 1,
    };

    public static IEnumerable<StudentOptions> AllSmall() =>
        [SmallTransformer(), SmallBiLstm(), SmallBiLstm(SequencePooling.Max, 2), SmallBiLstm(SequencePooling.Mean), SmallTextCnn(), SmallMlp(), SmallMlp(MlpActivation.Gelu), SmallImageCnn()];

    /// <summary>A padded batch of random token ids: row i has lengths[i] tokens, then padding id 0.</summary>
    public static (Tensor Ids, Tensor Mask) TokenBatch(int seed, int sequence, params int[] lengths)
    {
        var rng = new Random(seed);
        var ids = new long[lengths.Length * sequence];
        var mask = new long[lengths.Length * sequence];
        for (var b = 0; b < lengths.Length; b++)
        {
            for (var t = 0; t < lengths[b]; t++)
            {
                ids[b * sequence + t] = rng.Next(1, Vocab);
                mask[b * sequence + t] = 1;
            }
        }

        return (tensor(ids, [lengths.Length, sequence]), tensor(mask, [lengths.Length, sequence]));
    }

    /// <summary>A batch the student takes: token ids and mask for text students, random floats otherwise.</summary>
    public static StudentInput InputFor(StudentModel model, int seed, int batch = 3, Intermediates capture = Intermediates.None)
    {
        if (model.TakesTokens)
        {
            var lengths = Enumerable.Range(0, batch).Select(i => 1 + (seed + 3 * i) % 7).ToArray();
            var (ids, mask) = TokenBatch(seed, 8, lengths);
            return StudentInput.Text(ids, mask, capture: capture);
        }

        manual_seed(seed);
        return model.Options switch
        {
            MlpStudentOptions m => StudentInput.Float(randn(batch, m.InputSize), capture),
            ImageCnnStudentOptions i => StudentInput.Float(randn(batch, i.InputChannels, 12, 10), capture),
            _ => throw new NotSupportedException(model.Options.ToString()),
        };
    }

    /// <summary>
    /// Runs a few batches in training mode without gradients so that BatchNorm's running statistics move away from
    /// their initial 0 and 1, which an export that ignored them would get right by accident.
    /// </summary>
    public static void WarmUpBatchNorm(StudentModel model, int seed)
    {
        model.train();
        using var noGrad = no_grad();
        for (var i = 0; i < 3; i++)
        {
            using var scope = NewDisposeScope();
            var input = InputFor(model, seed + i, batch: 4);
            model.call(input with { Features = input.Features is null ? null : input.Features * 3 + 1 });
        }
    }
}
