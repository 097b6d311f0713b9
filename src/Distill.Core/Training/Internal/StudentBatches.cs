using Distill.Students;
using static TorchSharp.torch;

namespace Distill.Training.Internal;

/// <summary>Pads examples into a student batch on a device.</summary>
internal static class StudentBatches
{
    public static StudentInput Input(IReadOnlyList<StudentExample> examples, Device device, IReadOnlyList<int>? featureShape, Intermediates capture)
    {
        if (examples[0].Text is null)
        {
            var width = examples[0].Features!.Length;
            var values = new float[examples.Count * width];
            for (var i = 0; i < examples.Count; i++)
            {
                var features = examples[i].Features ?? throw TrainingErrors.RowWithoutFeatures(examples[i].RowId);
                features.CopyTo(values, i * width);
            }

            long[] shape = featureShape is null ? [examples.Count, width] : [examples.Count, .. featureShape.Select(d => (long)d)];
            return StudentInput.Float(tensor(values, shape).to(device), capture);
        }

        var length = examples.Max(e => e.Length);
        var ids = new long[examples.Count * length];
        var mask = new long[examples.Count * length];
        var types = new long[examples.Count * length];
        for (var i = 0; i < examples.Count; i++)
        {
            var text = examples[i].Text ?? throw TrainingErrors.RowWithoutText(examples[i].RowId);
            text.InputIds.CopyTo(ids, i * length);
            text.TokenTypeIds.CopyTo(types, i * length);
            Array.Fill(mask, 1L, i * length, text.Length);
        }

        long[] dims = [examples.Count, length];
        return StudentInput.Text(tensor(ids, dims).to(device), tensor(mask, dims).to(device), tensor(types, dims).to(device), capture);
    }

    public static Tensor Labels(IReadOnlyList<StudentExample> examples, Device device) =>
        tensor(examples.Select(e => (long)e.Label).ToArray()).to(device);
}
