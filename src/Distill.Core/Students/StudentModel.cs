using static TorchSharp.torch;

namespace Distill.Students;

/// <summary>
/// A student: a TorchSharp module that maps a <see cref="StudentInput"/> to logits and, on request, the intermediate
/// tensors the distillation losses read. Its state-dict keys are what checkpoints and ONNX initializers are named by.
/// </summary>
public abstract class StudentModel : nn.Module<StudentInput, StudentOutput>
{
    /// <summary>Creates the base with the student's settings.</summary>
    protected StudentModel(string name, StudentOptions options)
        : base(name)
    {
        Options = options;
    }

    /// <summary>
    /// Takes the parameters and buffers out of the dispose scope the constructor runs in; call it last, after
    /// <c>RegisterComponents()</c>.
    /// </summary>
    /// <remarks>
    /// Why student constructors run in a dispose scope: TorchSharp's module constructors make temporary tensors that
    /// only the stack holds (a convolution's <c>reset_parameters</c> reads <c>weight[0, 0].NumberOfElements</c>), and a
    /// tensor nothing references can be finalized while the native call that reads it is still running. In a scope
    /// they are held until the constructor returns, then freed; what the model keeps has to leave the scope first.
    /// </remarks>
    protected void KeepParametersAndBuffers()
    {
        foreach (var parameter in parameters())
        {
            parameter.DetachFromDisposeScope();
        }

        foreach (var buffer in buffers())
        {
            buffer.DetachFromDisposeScope();
        }
    }

    /// <summary>The settings the student was built with.</summary>
    public StudentOptions Options { get; }

    /// <summary>The architecture.</summary>
    public StudentKind Kind => Options.Kind;

    /// <summary>Number of classes.</summary>
    public int NumLabels => Options.NumLabels;

    /// <summary>True for text students (token ids in), false for float-feature students.</summary>
    public abstract bool TakesTokens { get; }

    /// <summary>Number of trainable values.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Checks a text batch and returns its ids with a mask (all ones when none is given).</summary>
    protected (Tensor Ids, Tensor Mask) RequireTokens(StudentInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ids = input.InputIds ?? throw new ArgumentException(
            $"{Options.ArchitectureName} student: StudentInput.InputIds is required (token ids, [batch, sequence])", nameof(input));
        if (ids.dim() != 2 || ids.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(
                $"{Options.ArchitectureName} student: InputIds must be int64 of shape [batch, sequence], got {ids.dtype} [{string.Join(", ", ids.shape)}]", nameof(input));
        }

        var mask = input.AttentionMask;
        if (mask is not null && !mask.shape.SequenceEqual(ids.shape))
        {
            throw new ArgumentException(
                $"{Options.ArchitectureName} student: AttentionMask must have the shape of InputIds [{string.Join(", ", ids.shape)}], got [{string.Join(", ", mask.shape)}]", nameof(input));
        }

        return (ids, mask ?? ones_like(ids));
    }

    /// <summary>Checks a float batch of the given rank and returns it.</summary>
    protected Tensor RequireFeatures(StudentInput input, int rank, string layout)
    {
        ArgumentNullException.ThrowIfNull(input);
        var features = input.Features ?? throw new ArgumentException(
            $"{Options.ArchitectureName} student: StudentInput.Features is required ({layout})", nameof(input));
        if (features.dim() != rank || !features.is_floating_point())
        {
            throw new ArgumentException(
                $"{Options.ArchitectureName} student: Features must be floating point of shape {layout}, got {features.dtype} [{string.Join(", ", features.shape)}]", nameof(input));
        }

        return features;
    }
}
