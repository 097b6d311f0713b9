using System.ComponentModel;
using System.Globalization;
using Distill.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill bench &lt;teacher.onnx&gt; &lt;student.onnx&gt;</c>: measures both models in one process, in ONNX
/// Runtime on the CPU (<see cref="OnnxBench.Compare"/>), and prints each one's size, batch-1 latency and batch
/// throughput with the student's speedups. A missing file or a model ONNX Runtime cannot run exits with 2.
/// </summary>
internal sealed class BenchCommand : Command<BenchCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public BenchCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<TEACHER>")]
        [Description("The teacher's .onnx file.")]
        public string Teacher { get; init; } = string.Empty;

        [CommandArgument(1, "<STUDENT>")]
        [Description("The student's .onnx file.")]
        public string Student { get; init; } = string.Empty;

        [CommandOption("--sequence <N>")]
        [Description("Tokens per row for text models (default 64).")]
        public int Sequence { get; init; } = 64;

        [CommandOption("--repeats <N>")]
        [Description("Timed batch-1 runs; the latency is their median (default 20).")]
        public int Repeats { get; init; } = 20;

        [CommandOption("--batch-repeats <N>")]
        [Description("Timed runs of a whole batch for the throughput (default 5).")]
        public int BatchRepeats { get; init; } = 5;

        [CommandOption("--batch-size <N>")]
        [Description("Rows per batch of the throughput measurement (default 32).")]
        public int BatchSize { get; init; } = 32;

        [CommandOption("--image-size <N>")]
        [Description("Height and width of images when the model leaves them dynamic (default 224).")]
        public int ImageSize { get; init; } = 224;

        [CommandOption("--warmup <N>")]
        [Description("Untimed runs at each batch size first (default 3).")]
        public int Warmup { get; init; } = 3;

        [CommandOption("--threads <N>")]
        [Description("ONNX Runtime intra-op threads; 0 lets it choose (default 0).")]
        public int Threads { get; init; }

        [CommandOption("--verbose")]
        [Description("Print stack traces with errors.")]
        public bool Verbose { get; init; }

        public OnnxBenchOptions ToOptions() => new()
        {
            SequenceLength = Sequence, Repeats = Repeats, BatchRepeats = BatchRepeats, BatchSize = BatchSize,
            ImageSize = ImageSize, WarmupRuns = Warmup, Threads = Threads,
        };

        public override ValidationResult Validate()
        {
            var errors = ToOptions().Validate().ToList();
            return errors.Count == 0 ? ValidationResult.Success() : ValidationResult.Error(string.Join("; ", errors));
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var options = settings.ToOptions();
        var result = OnnxBench.Compare(settings.Teacher, settings.Student, options);
        var teacher = result.Teacher;
        var student = result.Student;

        var table = new Table()
            .AddColumn("model")
            .AddColumn("file")
            .AddColumn(new TableColumn("size").RightAligned())
            .AddColumn(new TableColumn("latency, batch 1").RightAligned())
            .AddColumn(new TableColumn($"throughput, batch {options.BatchSize}").RightAligned());
        foreach (var (name, model) in new[] { ("teacher", teacher), ("student", student) })
        {
            table.AddRow(name, Markup.Escape(Path.GetFileName(model.Path)), Size(model.Bytes), $"{Significant(model.LatencyMs)} ms", $"{Rows(model.ThroughputRowsPerSecond)} rows/s");
        }

        table.AddRow("[bold]student vs teacher[/]", "", $"×{Significant(result.SizeRatio)} smaller", $"×{Significant(result.LatencySpeedup)} faster", $"×{Significant(result.ThroughputSpeedup)} more rows");
        _console.Write(table);

        var sequence = new[] { teacher.SequenceLength, student.SequenceLength }.OfType<int>().Distinct().ToList();
        var threads = options.Threads == 0 ? "default threads" : $"{options.Threads} threads";
        var lengths = sequence.Count > 0 ? $"; sequence length {string.Join(" / ", sequence)}" : "";
        _console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ONNX Runtime on the CPU ({threads}); latency: median of {options.Repeats} batch-1 runs; throughput: median of {options.BatchRepeats} runs of {options.BatchSize} rows; {options.WarmupRuns} warm-up runs each{lengths}."));
        return DistillApp.Success;
    }

    private static string Significant(double value) => value.ToString(
        Math.Abs(value) >= 99.95 ? "0" : Math.Abs(value) >= 9.995 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    private static string Rows(double value) => value >= 99.5 ? value.ToString("#,##0", CultureInfo.InvariantCulture) : Significant(value);

    private static string Size(long bytes) => bytes switch
    {
        >= 999_500_000 => $"{Significant(bytes / 1e9)} GB",
        >= 999_500 => $"{Significant(bytes / 1e6)} MB",
        >= 1000 => $"{Significant(bytes / 1e3)} kB",
        _ => $"{bytes} B",
    };
}
