using Distill.Students;
using Distill.Training;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Distill.Export;

/// <summary>
/// Checks an exported student against the model it came from: the same examples through TorchSharp (eval mode) and
/// through ONNX Runtime, compared logit by logit.
/// </summary>
public static class OnnxParity
{
    /// <summary>
    /// The largest absolute difference between the logits of <paramref name="model"/> and of its export at
    /// <paramref name="onnxPath"/> on <paramref name="examples"/>: text examples run as one padded batch, so padding is
    /// exercised too; float examples (an MLP's features, an image CNN's pixels) as one batch of
    /// <paramref name="featureShape"/> each (default: the features as a vector).
    /// </summary>
    public static double MaxAbsoluteDifference(StudentModel model, string onnxPath, IReadOnlyList<StudentExample> examples, IReadOnlyList<int>? featureShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0 || (examples[0].Text is null && examples[0].Features is null))
        {
            throw new ArgumentException("examples: give at least one text or float example", nameof(examples));
        }

        return examples[0].Text is not null ? Text(model, onnxPath, examples) : Float(model, onnxPath, examples, featureShape);
    }

    private static double Text(StudentModel model, string onnxPath, IReadOnlyList<StudentExample> examples)
    {
        var length = examples.Max(e => e.Length);
        var ids = new long[examples.Count * length];
        var mask = new long[examples.Count * length];
        var types = new long[examples.Count * length];
        for (var i = 0; i < examples.Count; i++)
        {
            examples[i].Text!.InputIds.CopyTo(ids, i * length);
            examples[i].Text!.TokenTypeIds.CopyTo(types, i * length);
            Array.Fill(mask, 1L, i * length, examples[i].Length);
        }

        long[] shape = [examples.Count, length];
        var expected = Logits(model, device => StudentInput.Text(tensor(ids, shape).to(device), tensor(mask, shape).to(device), tensor(types, shape).to(device)));
        var feeds = new Dictionary<string, long[]>
        {
            [OnnxNames.InputIds] = ids, [OnnxNames.AttentionMask] = mask, [OnnxNames.TokenTypeIds] = types,
        };
        using var session = new InferenceSession(onnxPath);
        var names = session.InputMetadata.Keys.ToList();
        return Compare(session, names, names.Select(n => OrtValue.CreateTensorValueFromMemory(feeds[n], shape)).ToList(), expected);
    }

    private static double Float(StudentModel model, string onnxPath, IReadOnlyList<StudentExample> examples, IReadOnlyList<int>? featureShape)
    {
        var width = examples[0].Features!.Length;
        long[] perRow = featureShape is { Count: > 0 } given ? [.. given.Select(d => (long)d)] : [width];
        var values = new float[examples.Count * width];
        for (var i = 0; i < examples.Count; i++)
        {
            examples[i].Features!.CopyTo(values, i * width);
        }

        long[] shape = [examples.Count, .. perRow];
        var expected = Logits(model, device => StudentInput.Float(tensor(values, shape).to(device)));
        using var session = new InferenceSession(onnxPath);
        // The one float input: features for an MLP, pixel_values for an image CNN.
        return Compare(session, [session.InputMetadata.Keys.Single()], [OrtValue.CreateTensorValueFromMemory(values, shape)], expected);
    }

    private static float[] Logits(StudentModel model, Func<Device, StudentInput> input)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var output = model.call(input(model.parameters().First().device));
            return output.Logits.to(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    private static double Compare(InferenceSession session, IReadOnlyList<string> names, IReadOnlyList<OrtValue> values, float[] expected)
    {
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, [OnnxNames.Logits]);
            var actual = results[0].GetTensorDataAsSpan<float>();
            double worst = 0;
            for (var i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            }

            return worst;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }
}
