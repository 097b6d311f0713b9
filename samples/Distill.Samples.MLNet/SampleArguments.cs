using System.Globalization;

namespace Distill.Samples.MLNet;

/// <summary>The command line: <c>[--teacher teacher.onnx] [--data folder] [--train-rows n] [--epochs n]</c>.</summary>
public sealed record SampleArguments
{
    public const string Usage =
        "usage: dotnet run -c Release --project samples/Distill.Samples.MLNet -- [--teacher teacher.onnx] [--data folder] [--train-rows n] [--epochs n]\n" +
        "  --teacher     an ONNX SST-2 classifier over the bert-base-uncased vocabulary; without it the sample trains a small one first\n" +
        "  --data        the folder holding sst2/ and vocab/ (default: DISTILL_DATA_DIR, else ../shared/data beside the repository)\n" +
        "  --train-rows  SST-2 training rows used (default 8000 of 67349); the dev set is used in full\n" +
        "  --epochs      epochs of the student (default 3)";

    /// <summary>The teacher's ONNX file, or null to train one.</summary>
    public string? Teacher { get; init; }

    /// <summary>The data folder, or null for the default.</summary>
    public string? Data { get; init; }

    public int TrainRows { get; init; } = 8000;

    public int Epochs { get; init; } = 3;

    /// <summary>Reads the arguments; throws <see cref="ArgumentException"/> with a one-line reason.</summary>
    public static SampleArguments Parse(IReadOnlyList<string> args)
    {
        var result = new SampleArguments();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Count(string name)
            {
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                    ? n
                    : throw new ArgumentException($"{name} must be a whole number > 0 (was '{text}')");
            }

            result = args[i] switch
            {
                "--teacher" => result with { Teacher = Value() },
                "--data" => result with { Data = Value() },
                "--train-rows" => result with { TrainRows = Count("--train-rows") },
                "--epochs" => result with { Epochs = Count("--epochs") },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'"),
            };
        }

        if (result.Teacher is { } teacher && !File.Exists(teacher))
        {
            throw new ArgumentException($"--teacher {teacher}: file not found; give an ONNX file, or leave --teacher out to train one");
        }

        return result;
    }

    /// <summary>The data folder: --data, else DISTILL_DATA_DIR, else ../shared/data beside the folder holding Distill.sln.</summary>
    public string DataFolder()
    {
        var folder = Data ?? Environment.GetEnvironmentVariable("DISTILL_DATA_DIR");
        if (folder is null)
        {
            var root = new[] { Environment.CurrentDirectory, AppContext.BaseDirectory }
                .SelectMany(Ancestors)
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "Distill.sln")));
            folder = Path.GetFullPath(Path.Combine(root ?? Environment.CurrentDirectory, "..", "shared", "data"));
        }

        return File.Exists(Path.Combine(folder, "sst2", "train.tsv")) && File.Exists(Path.Combine(folder, "vocab", "bert-base-uncased.txt"))
            ? folder
            : throw new ArgumentException($"{folder}: no sst2/train.tsv and vocab/bert-base-uncased.txt there; pass --data or set DISTILL_DATA_DIR to the folder that holds them");
    }

    private static IEnumerable<string> Ancestors(string folder)
    {
        for (var d = new DirectoryInfo(folder); d is not null; d = d.Parent)
        {
            yield return d.FullName;
        }
    }
}
