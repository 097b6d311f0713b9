using System.ComponentModel;
using System.Globalization;
using Distill.Cache;
using Distill.Data;
using Distill.Platform;
using Distill.Teacher;
using Distill.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill cache build</c>: runs a teacher over a data file and keeps its outputs (logits, and the attention and
/// hidden-state taps asked for) in a teacher cache. Running the same command again resumes a build that was stopped,
/// or finds the cache complete; <c>--shard i/n</c> builds one part of a split build.
/// </summary>
internal sealed class CacheBuildCommand : Command<CacheBuildCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public CacheBuildCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--recipe <FILE>")]
        [Description("Build the caches a recipe needs (training the teacher by its recipe first when absent), instead of the options below.")]
        public string? Recipe { get; init; }

        [CommandOption("--set <KEY=VALUE>")]
        [Description("With --recipe: override a key of the recipe. May be repeated.")]
        public string[] Set { get; init; } = [];

        [CommandOption("--profile <NAME>")]
        [Description("With --recipe: apply one of the recipe's profiles.")]
        public string? Profile { get; init; }

        [CommandOption("--teacher <MODEL>")]
        [Description("The teacher's .onnx file.")]
        public string Teacher { get; init; } = string.Empty;

        [CommandOption("--data <FILE>")]
        [Description("The transfer set: TSV, CSV, JSON Lines or a plain-lines text file.")]
        public string Data { get; init; } = string.Empty;

        [CommandOption("--format <FORMAT>")]
        [Description("tsv, csv, jsonl or lines (default: from the file extension).")]
        public string? Format { get; init; }

        [CommandOption("--no-header")]
        [Description("The file has no header row; name columns by 0-based index.")]
        public bool NoHeader { get; init; }

        [CommandOption("--text-column <COLUMN>")]
        [Description("The text column, by name or 0-based index (default: sentence).")]
        public string TextColumn { get; init; } = "sentence";

        [CommandOption("--text-pair-column <COLUMN>")]
        [Description("The second text of sentence pairs, if any.")]
        public string? TextPairColumn { get; init; }

        [CommandOption("--vocab <FILE>")]
        [Description("The teacher's vocab.txt.")]
        public string Vocab { get; init; } = string.Empty;

        [CommandOption("--cased")]
        [Description("Keep case (for cased vocabularies); the default lower-cases.")]
        public bool Cased { get; init; }

        [CommandOption("--max-length <N>")]
        [Description("Longest encoding in tokens; longer texts are truncated and counted (default 128).")]
        public int MaxLength { get; init; } = 128;

        [CommandOption("--attention-layers <LIST>")]
        [Description("Teacher layers (from 0) whose attention probabilities to keep, e.g. 3,7,11.")]
        public string? AttentionLayers { get; init; }

        [CommandOption("--hidden-states <LIST>")]
        [Description("Hidden states to keep (0 = embeddings, i = output of layer i-1), e.g. 0,4,8,12.")]
        public string? HiddenStates { get; init; }

        [CommandOption("--float32")]
        [Description("Store float32 instead of float16.")]
        public bool Float32 { get; init; }

        [CommandOption("--rows-per-shard <N>")]
        [Description("Rows per shard, the unit of commit and resume (default 2048).")]
        public int RowsPerShard { get; init; } = 2048;

        [CommandOption("--batch-size <N>")]
        [Description("Rows per teacher batch (default 64).")]
        public int BatchSize { get; init; } = 64;

        [CommandOption("--augment <COPIES>")]
        [Description("Add this many augmented copies of each row (Tang et al. 2019); 0 for none.")]
        public int Augment { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the augmentation (default 0).")]
        public ulong Seed { get; init; }

        [CommandOption("--limit <N>")]
        [Description("Use only the first N rows of the file (for quick runs).")]
        public int? Limit { get; init; }

        [CommandOption("--shard <I/N>")]
        [Description("Build only shards i, i+n, i+2n, ... (one process of a split build).")]
        public string? Shard { get; init; }

        [CommandOption("--cache-dir <DIR>")]
        [Description("Folder that holds caches, one subfolder per key (default .distill/cache).")]
        public string CacheDir { get; init; } = Path.Combine(".distill", "cache");

        [CommandOption("--device <DEVICE>")]
        [Description("auto, cpu, cuda or cuda:N (default auto).")]
        public string Device { get; init; } = "auto";

        [CommandOption("--threads <N>")]
        [Description("ONNX Runtime threads per operator (default: all cores).")]
        public int Threads { get; init; }

        [CommandOption("--verbose")]
        [Description("Print stack traces with errors.")]
        public bool Verbose { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        if (settings.Recipe is not null)
        {
            if (!string.IsNullOrEmpty(settings.Teacher) || !string.IsNullOrEmpty(settings.Data) || !string.IsNullOrEmpty(settings.Vocab))
            {
                throw CommandErrors.RecipeExcludesInputs();
            }

            var recipeSettings = new Recipes.RecipeCommandSettings { Recipe = settings.Recipe, Set = settings.Set, Profile = settings.Profile, Verbose = settings.Verbose };
            return Recipes.RecipeExecution.Run(_console, recipeSettings, Distill.Recipes.RecipeStep.Cache, resume: true, dryRun: false, cancellation);
        }

        var device = DeviceSetting.Parse(settings.Device, "--device");
        var selection = settings.Shard is null ? ShardSelection.All : ShardSelection.Parse(settings.Shard);
        var attention = ParseList(settings.AttentionLayers, "--attention-layers");
        var hidden = ParseList(settings.HiddenStates, "--hidden-states");
        Require(settings.Teacher, "--teacher", "the teacher's .onnx file");
        Require(settings.Data, "--data", "the data file");
        Require(settings.Vocab, "--vocab", "the teacher's vocab.txt");

        // Everything the command line says is checked before the teacher is loaded.
        var source = new DataSourceOptions
        {
            Path = settings.Data,
            Format = settings.Format is null ? null : ParseFormat(settings.Format),
            HasHeader = !settings.NoHeader,
            TextColumns = new[] { settings.TextColumn, settings.TextPairColumn }.OfType<string>().Select(DataColumn.Parse).ToList(),
        };
        source.ThrowIfInvalid();
        var encoder = TextEncoder.Create(new TextEncoderOptions { VocabPath = settings.Vocab, LowerCase = !settings.Cased, MaxLength = settings.MaxLength });

        var asked = attention.Select(TeacherTensorId.Attention).Concat(hidden.Select(TeacherTensorId.Hidden)).ToList();
        using var teacher = OnnxTeacher.Load(settings.Teacher, TeacherCachePlanner.WithTaps(new OnnxTeacherOptions
        {
            Device = device,
            IntraOpThreads = settings.Threads,
            HasSegmentIds = settings.TextPairColumn is not null,
            OnNotice = _console.WriteNote,
        }, asked));

        IEnumerable<DataRow> data = DataSource.Read(source);
        if (settings.Limit is { } limit)
        {
            data = data.Take(limit);
        }

        var rows = data.ToList();
        if (settings.Augment > 0)
        {
            var augmenter = TransferSetAugmenter.Create(rows, new TransferSetAugmentationOptions { Copies = settings.Augment, Seed = settings.Seed });
            rows = augmenter.Augment(rows).ToList();
        }

        var plan = TeacherCachePlanner.Plan(Path.GetFileName(settings.Data), teacher, settings.Teacher, rows, encoder, new TeacherCacheOptions
        {
            Tensors = TeacherCachePlanner.Specs(teacher, [TeacherTensorId.Logits, .. asked]),
            ElementType = settings.Float32 ? CacheElementType.Float32 : CacheElementType.Float16,
            RowsPerShard = settings.RowsPerShard,
            BatchSize = settings.BatchSize,
        }, new Dictionary<string, string>
        {
            ["data"] = Path.GetFileName(settings.Data),
            ["augmentation"] = settings.Augment > 0 ? $"copies={settings.Augment},seed={settings.Seed}" : "none",
        });
        _console.MarkupLineInterpolated($"[grey]{encoder.Report}[/]");
        TeacherCacheBuildResult result = null!;
        _console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(progress =>
            {
                var task = progress.AddTask($"teacher on {plan.Rows.Count:N0} rows ({teacher.Device})");
                // Reported on this thread: a Progress<T> would post to the thread pool, and the last reports could
                // land after the display has stopped, or out of order.
                result = plan.Build(settings.CacheDir, selection, new InlineProgress<TeacherCacheProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.TokensToDo);
                    task.Value = p.TokensDone;
                    task.Description = $"teacher on {plan.Rows.Count:N0} rows, {p.RowsPerSecond:N0} rows/s";
                }), cancellation);
                task.Value = task.MaxValue;
            });

        var table = new Table().AddColumn("cache").AddColumn(Markup.Escape(result.Folder));
        table.AddRow("key", result.Key);
        table.AddRow("shards", $"{result.Built.Count} built, {result.Reused.Count} reused, {result.Rebuilt.Count} rebuilt{(settings.Shard is null ? "" : $" (shard {selection})")}");
        foreach (var rebuilt in result.Rebuilt)
        {
            table.AddRow("rebuilt", Markup.Escape(rebuilt));
        }

        table.AddRow("complete", result.Complete ? "yes" : "no: other parts of a split build are still to come; merge them with 'distill cache merge'");
        _console.Write(table);
        return DistillApp.Success;
    }

    // The cache encodes text, so only the text formats.
    private static DataFormat ParseFormat(string text) =>
        DataFormatNames.TryParse(text.ToLowerInvariant(), out var format) && DataFormatNames.Text.Contains(format)
            ? format
            : throw CommandErrors.BadCacheFormat(text);

    private static IReadOnlyList<int> ParseList(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        return text.Split(',').Select(part => int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw CommandErrors.BadNumberList(option, text)).ToList();
    }

    private static void Require(string value, string option, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw CommandErrors.Required(option, what);
        }
    }
}
