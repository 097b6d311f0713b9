using System.ComponentModel;
using System.Globalization;
using Distill.Data.Download;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill data get &lt;name&gt;</c>: downloads a known public data set (<see cref="DataSetCatalog"/>) into the data
/// folder (<c>--dir</c>, else <c>DISTILL_DATA_DIR</c>, else <c>./data</c>), verified against its known size and
/// SHA-256, with a progress bar. Files already in place are kept unless <c>--force</c> is given. When the host cannot
/// be reached the command exits with 2 and one line that says which files to put where by hand.
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
        [CommandArgument(0, "<NAME>")]
        [Description("The data set: sst2, emotion or bert-base-uncased-vocab.")]
        public string Name { get; init; } = string.Empty;

        [CommandOption("--dir <DIR>")]
        [Description("The data folder (default: $DISTILL_DATA_DIR, else ./data). Files go in sst2/, emotion/ or vocab/ under it.")]
        public string? Dir { get; init; }

        [CommandOption("--url <URL>")]
        [Description("Download from this URL (a mirror) instead: the file itself, or for emotion the folder that holds train.txt, val.txt and test.txt.")]
        public string? Url { get; init; }

        [CommandOption("--sha256 <HEX>")]
        [Description("The SHA-256 the download must have, instead of the known one (data sets with one download).")]
        public string? Sha256 { get; init; }

        [CommandOption("--force")]
        [Description("Replace files that are already in place (default: keep them).")]
        public bool Force { get; init; }

        [CommandOption("--timeout <SECONDS>")]
        [Description("Longest wait for the server to connect, answer or send more data (default 30).")]
        public double Timeout { get; init; } = DataDownloader.DefaultTimeout.TotalSeconds;

        [CommandOption("--verbose")]
        [Description("Print stack traces with errors.")]
        public bool Verbose { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var dataSet = DataSetCatalog.Get(settings.Name);
        var options = new DataGetOptions
        {
            Directory = DataDirectory.Resolve(settings.Dir),
            Force = settings.Force,
            Url = settings.Url is null ? null : ParseUrl(settings.Url),
            Sha256 = settings.Sha256,
        };
        using var downloader = new DataDownloader(TimeSpan.FromSeconds(settings.Timeout));

        DataGetResult result = null!;
        await _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var tasks = new Dictionary<Uri, ProgressTask>();
                var display = new InlineProgress<DownloadProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Url, out var task))
                    {
                        task = tasks[p.Url] = progress.AddTask(Markup.Escape($"{dataSet.Name}: {p.FileName}"), autoStart: true, maxValue: p.TotalBytes ?? 1);
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
                result = await downloader.GetAsync(dataSet, options, display, cancellation);
            });

        var table = new Table().AddColumn(Markup.Escape(dataSet.Name)).AddColumn(Markup.Escape(result.Directory));
        foreach (var file in dataSet.Files)
        {
            var path = Path.Combine(result.Directory, file.Path.Replace('/', Path.DirectorySeparatorChar));
            var state = result.Written.Contains(path) ? "downloaded"
                : result.Kept.Contains(path) ? "kept (already there; --force replaces it)"
                : "?";
            table.AddRow(Markup.Escape(path), Markup.Escape(state));
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

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new DistillException(DistillErrorKind.InvalidInput, $"--url must be an absolute http:// or https:// URL (was '{text}')");
}
