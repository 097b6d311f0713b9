namespace Distill.Teacher;

/// <summary>The taps of one transformer layer.</summary>
/// <param name="Index">The layer, from 0, in topological order.</param>
/// <param name="AttentionProbabilities">The layer's attention Softmax output.</param>
/// <param name="Output">The layer's output (its last LayerNorm): hidden state <c>Index + 1</c>; null when no
/// LayerNorm on the residual path was found after the layer's attention.</param>
public sealed record TeacherLayer(int Index, TeacherTap AttentionProbabilities, TeacherTap? Output);
