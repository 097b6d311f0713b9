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
    /// <paramref name="onnxPath"/> on <paramref name="examples"/> (text students; a padded batch, so padding is
    /// exercised too).
    /// </summary>
    public static double MaxAbsoluteDifference(StudentModel model, string onnxPath, IReadOnlyList<StudentExample> examples)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (examples.Count == 0 || examples[0].Text is null)
        {
            throw new ArgumentException("examples: give at least one text example", nameof(examples));
        }

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
        float[] expected;
        var wasTraining = model.training;
        model.eval();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var device = model.parameters().First().device;
            var output = model.call(StudentInput.Text(tensor(ids, shape).to(device), tensor(mask, shape).to(device), tensor(types, shape).to(device)));
            expected = output.Logits.to(ScalarType.Float32).cpu().data<float>().ToArray();
        }

        model.train(wasTraining);
        using var session = new InferenceSession(onnxPath);
        var feeds = new Dictionary<string, long[]>
        {
            [OnnxNames.InputIds] = ids, [OnnxNames.AttentionMask] = mask, [OnnxNames.TokenTypeIds] = types,
        };
        var names = session.InputMetadata.Keys.ToList();
        var values = names.Select(n => OrtValue.CreateTensorValueFromMemory(feeds[n], shape)).ToList();
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
