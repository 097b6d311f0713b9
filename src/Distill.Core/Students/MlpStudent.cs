using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys

namespace Distill.Students;

/// <summary>Multi-layer perceptron: (linear, activation, dropout) per hidden layer, then a linear classifier.</summary>
public sealed class MlpStudent : StudentModel
{
    private readonly ModuleList<Linear> hidden;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    /// <summary>Builds a randomly initialised MLP.</summary>
    public MlpStudent(MlpStudentOptions options)
        : base(nameof(MlpStudent), options)
    {
        using var construction = NewDisposeScope(); // see KeepParametersAndBuffers
        options.ThrowIfInvalid();
        var widths = new[] { options.InputSize }.Concat(options.HiddenSizes).ToArray();
        hidden = nn.ModuleList(Enumerable.Range(0, options.HiddenSizes.Count).Select(i => nn.Linear(widths[i], widths[i + 1])).ToArray());
        dropout = nn.Dropout(options.Dropout);
        classifier = nn.Linear(widths[^1], options.NumLabels);
        RegisterComponents();
        KeepParametersAndBuffers();
    }

    /// <summary>The student's settings.</summary>
    public MlpStudentOptions Settings => (MlpStudentOptions)Options;

    /// <inheritdoc />
    public override bool TakesTokens => false;

    /// <inheritdoc />
    public override StudentOutput forward(StudentInput input)
    {
        var x = RequireFeatures(input, 2, "[batch, features]");
        if (x.shape[1] != Settings.InputSize)
        {
            throw new ArgumentException($"mlp student: Features must have {Settings.InputSize} columns (input_size), got {x.shape[1]}", nameof(input));
        }

        foreach (var layer in hidden)
        {
            var linear = layer.call(x);
            x = dropout.call(Settings.Activation == MlpActivation.Gelu ? nn.functional.gelu(linear) : nn.functional.relu(linear));
        }

        return new StudentOutput { Logits = classifier.call(x) };
    }
}
