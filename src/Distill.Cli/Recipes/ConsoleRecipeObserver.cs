using System.Diagnostics;
using Distill.Cache;
using Distill.Recipes;
using Distill.Training;
using Spectre.Console;

namespace Distill.Cli.Recipes;

/// <summary>
/// Shows a recipe run on the console. On a terminal each phase gets a Spectre.Console progress bar with its rate and
/// ETA; elsewhere (a log file, CI) plain lines are written instead: one per phase, one per finished epoch, and a
/// progress line at most every <see cref="PlainInterval"/>, because a redrawn bar would print one line per refresh.
/// </summary>
internal sealed class ConsoleRecipeObserver : IRecipeObserver
{
    /// <summary>How often plain output reports progress within a phase.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(30);

    private readonly IAnsiConsole _console;
    private readonly ProgressContext? _progress;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private ProgressTask? _task;
    private string _phase = string.Empty;
    private int _lastEpochShown = -1;
    private string? _lastStageShown;
    private string? _header;

    private ConsoleRecipeObserver(IAnsiConsole console, ProgressContext? progress, string header)
    {
        _console = console;
        _progress = progress;
        _header = header;
    }

    /// <summary>
    /// Runs <paramref name="run"/> with an observer that suits <paramref name="console"/>: progress bars on an
    /// interactive terminal, plain lines elsewhere.
    /// </summary>
    /// <remarks>
    /// <paramref name="header"/> (markup) is printed before the first thing the run reports, so bad input, which
    /// fails before that, prints its one error line alone.
    /// </remarks>
    public static T Show<T>(IAnsiConsole console, string header, Func<IRecipeObserver, T> run)
    {
        if (!console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
        {
            return run(new ConsoleRecipeObserver(console, null, header));
        }

        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => result = run(new ConsoleRecipeObserver(console, context, header)));
        return result;
    }

    public void Phase(string name)
    {
        Header();
        Finish();
        _phase = name;
        _lastEpochShown = -1;
        _lastStageShown = null;
        if (_progress is null)
        {
            _console.MarkupLineInterpolated($"[bold]▸ {name}[/]");
            _sinceLine.Restart();
        }
        else
        {
            _task = _progress.AddTask(Markup.Escape(name), autoStart: true, maxValue: 1);
            _task.IsIndeterminate = true;
        }
    }

    public void Notice(string message)
    {
        Header();
        _console.MarkupLineInterpolated($"  [grey]{message}[/]");
    }

    private void Header()
    {
        if (_header is not null)
        {
            _console.MarkupLine(_header);
            _header = null;
        }
    }

    public void Cache(TeacherCacheProgress progress)
    {
        var rate = $"{progress.RowsPerSecond:N0} rows/s";
        if (_task is not null)
        {
            _task.IsIndeterminate = false;
            _task.MaxValue = Math.Max(1, progress.TokensToDo > 0 ? progress.TokensToDo : progress.RowsToDo);
            _task.Value = progress.TokensToDo > 0 ? progress.TokensDone : progress.RowsDone;
            _task.Description = Markup.Escape($"{_phase} · {progress.RowsDone:N0}/{progress.RowsToDo:N0} rows · {rate}");
        }
        else if (_sinceLine.Elapsed >= PlainInterval || progress.RowsDone == progress.RowsToDo)
        {
            var remaining = progress.Remaining is { } eta ? $", about {Format(eta)} left" : "";
            _console.MarkupLineInterpolated($"  {progress.RowsDone:N0}/{progress.RowsToDo:N0} rows, {rate}{remaining}");
            _sinceLine.Restart();
        }
    }

    public void Training(string run, TrainingProgress progress)
    {
        var rate = $"{progress.RowsPerSecond:N0} rows/s";
        if (_task is not null && progress.Evaluation is null)
        {
            _task.IsIndeterminate = false;
            _task.MaxValue = Math.Max(1, progress.TotalSteps);
            _task.Value = Math.Min(progress.Step, progress.TotalSteps);
            _task.Description = Markup.Escape($"{run} · {progress.Stage} epoch {progress.Epoch + 1} · loss {progress.Loss:F4} · {rate}");
        }

        if (progress.Evaluation is { } metrics && (progress.Epoch != _lastEpochShown || progress.Stage != _lastStageShown))
        {
            _lastEpochShown = progress.Epoch;
            _lastStageShown = progress.Stage;
            _console.MarkupLineInterpolated(
                $"  {run}: {progress.Stage} epoch {progress.Epoch + 1} — dev accuracy {metrics.Accuracy:P2}, macro-F1 {metrics.MacroF1:F4}{(metrics.TeacherAgreement is { } a ? $", agreement {a:P1}" : "")}");
            _sinceLine.Restart();
        }
        else if (_task is null && progress.Evaluation is null && _sinceLine.Elapsed >= PlainInterval)
        {
            var remaining = progress.Remaining is { } eta ? $", about {Format(eta)} left" : "";
            _console.MarkupLineInterpolated($"  {progress.Stage} epoch {progress.Epoch + 1}: step {progress.Step:N0}/{progress.TotalSteps:N0}, loss {progress.Loss:F4}, {rate}{remaining}");
            _sinceLine.Restart();
        }
    }

    private void Finish()
    {
        if (_task is { } task)
        {
            task.IsIndeterminate = false;
            task.Value = task.MaxValue;
            task.StopTask();
        }

        _task = null;
    }

    /// <summary>A duration as people read it: 42s, 3m 05s, 1h 02m.</summary>
    public static string Format(TimeSpan span) => span.TotalHours >= 1
        ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m {span.Seconds:00}s" : $"{span.TotalSeconds:F0}s";
}
