using Distill.Losses;
using Distill.Students;
using static TorchSharp.torch;

namespace Distill.Training;

/// <summary>
/// The models behind block-wise logit distillation (Yu et al. 2024, arXiv 2411.01547): the teacher as a frozen
/// TorchSharp transformer, and one connector per student block that maps the student's hidden state into the
/// teacher's width. Stepping-stone path i runs the student's first i layers, connector i, then the teacher's layers
/// after the mapped one and its head; gradients reach the student through the frozen teacher tail.
/// </summary>
public sealed class BlockwiseDistillation : nn.Module
{
    /// <summary>Creates the connectors for <paramref name="student"/> against the frozen <paramref name="teacher"/>.</summary>
    public BlockwiseDistillation(TransformerStudent teacher, TransformerStudentOptions student, LayerMap? blocks = null)
        : base(nameof(BlockwiseDistillation))
    {
        throw new NotImplementedException("block-wise distillation is being written");
    }

    /// <summary>The logits of every stepping-stone path, from the student's hidden states (embeddings first).</summary>
    public IReadOnlyList<Tensor> PathLogits(IReadOnlyList<Tensor> studentHiddenStates, Tensor attentionMask) =>
        throw new NotImplementedException("block-wise distillation is being written");
}
