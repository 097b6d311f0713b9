namespace Distill.Students;

/// <summary>Activation of the MLP's hidden layers.</summary>
public enum MlpActivation
{
    /// <summary>max(0, x).</summary>
    Relu,

    /// <summary>Exact (erf) GELU.</summary>
    Gelu,
}

/// <summary>Settings of <see cref="MlpStudent"/>: a multi-layer perceptron over a float vector (tabular rows, flattened pixels).</summary>
public sealed record MlpStudentOptions : StudentOptions
{
    /// <summary>Length of the input vector; required (≥ 1).</summary>
    public int InputSize { get; init; }

    /// <summary>Widths of the hidden layers, in order. Default [256]. Empty means a linear classifier.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [256];

    /// <summary>Hidden-layer activation. Default ReLU.</summary>
    public MlpActivation Activation { get; init; } = MlpActivation.Relu;

    /// <summary>Dropout after each hidden layer, in [0, 1). Default 0.1.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <inheritdoc />
    public override StudentKind Kind => StudentKind.Mlp;

    /// <inheritdoc />
    protected override IEnumerable<string> ValidateArchitecture() =>
        AtLeast("input_size", InputSize, 1)
            .Concat(Probability("dropout", Dropout))
            .Concat((HiddenSizes ?? []).Where(w => w < 1).Select(w => $"hidden_sizes must all be >= 1 (was {w})"))
            .Concat(Enum.IsDefined(Activation) ? [] : [$"activation must be relu or gelu (was {Activation})"]);

    /// <inheritdoc />
    protected override StudentModel Build() => new MlpStudent(this);

    /// <inheritdoc />
    public bool Equals(MlpStudentOptions? other) =>
        other is not null && base.Equals(other) && InputSize == other.InputSize && HiddenSizes.SequenceEqual(other.HiddenSizes)
        && Activation == other.Activation && Dropout == other.Dropout;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), InputSize, HiddenSizes.Count, Activation, Dropout);
}
