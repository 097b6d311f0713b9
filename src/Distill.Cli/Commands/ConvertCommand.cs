using System.ComponentModel;
using System.Globalization;
using Distill.Students;
using Distill.Students.Checkpoints;
using Distill.Teacher;
using Distill.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill convert &lt;model.onnx&gt; &lt;folder&gt;</c>: imports a BERT-family encoder exported to ONNX as a
/// transformer (by the graph's structure, <see cref="OnnxTransformerImport"/>), checks it against ONNX Runtime, and
/// writes it as a Distill student checkpoint, which <c>student.init</c> and the ML.NET trainer can start from.
/// </summary>
internal sealed class ConvertCommand : Command<ConvertCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public ConvertCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("The encoder's .onnx file (a torch.onnx or Hugging Face export, or one Distill wrote).")]
        public string Model { get; init; } = string.Empty;

        [CommandArgument(1, "<FOLDER>")]
        [Description("The checkpoint folder to write; it must be new or empty unless --force is given.")]
        public string Folder { get; init; } = string.Empty;

        [CommandOption("--heads <N>")]
        [Description("Attention heads, only for a graph whose reshapes do not show them.")]
        public int? Heads { get; init; }

        [CommandOption("--labels <NAMES>")]
        [Description("Class names, comma-separated, for the classifier (default: the model's distill.labels metadata, else label_0, label_1, ...).")]
        public string? Labels { get; init; }

        [CommandOption("--vocab <FILE>")]
        [Description("The WordPiece vocabulary the model was trained with (default: vocab.txt beside the model, when there is one); its hash goes into the checkpoint.")]
        public string? Vocab { get; init; }

        [CommandOption("--force")]
        [Description("Replace a checkpoint already in the folder.")]
        public bool Force { get; init; }

        [CommandOption("--verbose")]
        [Description("Print stack traces with errors.")]
        public bool Verbose { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var labels = settings.Labels?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (labels is { Length: < 2 })
        {
            throw CommandErrors.TooFewLabels(settings.Labels);
        }

        var vocab = settings.Vocab ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.Model))!, "vocab.txt");
        if (settings.Vocab is not null && !File.Exists(vocab))
        {
            throw CommandErrors.VocabNotFound(vocab);
        }

        var imported = OnnxTransformerImport.Import(settings.Model, new OnnxTransformerImportOptions
        {
            Heads = settings.Heads,
            NumLabels = labels?.Length ?? 2,
        });
        using var model = imported.Model;
        var names = labels ?? imported.Labels ?? Enumerable.Range(0, model.Settings.NumLabels).Select(i => $"label_{i}").ToArray();
        if (names.Count != model.Settings.NumLabels)
        {
            throw CommandErrors.LabelCount(names.Count, model.Settings.NumLabels);
        }

        StudentCheckpoint.Save(
            model,
            settings.Folder,
            new StudentCheckpointInfo { Labels = names, VocabularyHash = File.Exists(vocab) ? VocabularyHash.Compute(vocab) : null },
            overwrite: settings.Force);

        var o = model.Settings;
        var table = new Table().AddColumn("setting").AddColumn("value");
        table.AddRow("layers, hidden, heads, intermediate", $"{o.Layers}, {o.Hidden}, {o.Heads}, {o.Intermediate}");
        table.AddRow("vocabulary, positions, segments", $"{o.VocabSize}, {o.MaxPositions}, {o.TypeVocabSize}");
        table.AddRow("activation, layer_norm_eps", $"{(o.Activation == TransformerActivation.GeluTanh ? "gelu_tanh" : "gelu")}, {o.LayerNormEps.ToString(CultureInfo.InvariantCulture)}");
        table.AddRow("graph", Markup.Escape(imported.Structure ?? string.Empty));
        table.AddRow("weights", Markup.Escape($"{imported.Report.Loaded.Count} loaded" + (imported.Report.Missing.Count > 0
            ? $"; new (not in the graph): {string.Join(", ", imported.Report.Missing)}"
            : string.Empty)));
        table.AddRow("labels", Markup.Escape(string.Join(", ", names)));
        _console.Write(table);

        var parity = imported.Parity!;
        _console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"parity: largest absolute difference {parity.LargestDifference:G3} between the module and ONNX Runtime over {parity.HiddenStates.Count} hidden states" +
            $"{(parity.Logits is null ? string.Empty : " and the logits")} ({parity.Inputs}; tolerance {parity.Tolerance:G3})"));
        _console.WriteLine($"wrote student checkpoint {Path.GetFullPath(settings.Folder)}");
        return DistillApp.Success;
    }
}
