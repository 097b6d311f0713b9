using Distill.Platform;
using Distill.Evaluation.Internal;

namespace Distill.Evaluation;

/// <summary>
/// Writes the report of a distillation run into a folder: <c>metrics.json</c> (every number, with the mean and
/// spread over seeds, for machines), <c>report.md</c> (one table of teacher, distilled student and label-only
/// baseline, what was kept and gained, for people) and PNG plots (loss per term, dev accuracy per epoch, reliability
/// diagram, confusion matrix).
/// </summary>
/// <remarks>
/// The files are written to a hidden temporary folder beside the target and renamed into place, so a failed write
/// never leaves a report that looks complete; an existing report in the folder is replaced only once the new one
/// is whole.
/// </remarks>
public static class ReportWriter
{
    /// <summary>The numbers, for machines.</summary>
    public const string MetricsFileName = "metrics.json";

    /// <summary>The report, for people.</summary>
    public const string MarkdownFileName = "report.md";

    /// <summary>Loss per term over optimizer steps, from the distilled student's metrics log.</summary>
    public const string LossPlotFileName = ReportPlots.LossFile;

    /// <summary>Dev accuracy per epoch of the distilled student and the baseline, with the teacher's as a line.</summary>
    public const string AccuracyPlotFileName = ReportPlots.AccuracyFile;

    /// <summary>Reliability diagram of the distilled student (and the teacher, when its probabilities were kept).</summary>
    public const string ReliabilityPlotFileName = ReportPlots.ReliabilityFile;

    /// <summary>Confusion matrix of the distilled student on dev.</summary>
    public const string ConfusionPlotFileName = ReportPlots.ConfusionFile;

    /// <summary>
    /// Writes the report of <paramref name="report"/> into <paramref name="folder"/> (created if needed; an existing
    /// folder is replaced). A plot the report lacks data for (no metrics log, no probabilities) is left out and
    /// report.md says why.
    /// </summary>
    /// <exception cref="ArgumentException">The report is inconsistent (see <see cref="RunReport.Validate"/>); the message lists every problem.</exception>
    public static void Write(RunReport report, string folder) => Write(report, folder, beforeCommit: null);

    /// <summary>As <see cref="Write(RunReport, string)"/>; <paramref name="beforeCommit"/> runs on the finished temporary folder before it is renamed (tests use it to fail there).</summary>
    internal static void Write(RunReport report, string folder, Action<string>? beforeCommit)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var errors = report.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"The run report cannot be written: {string.Join("; ", errors)}", nameof(report));
        }

        var data = ReportData.Of(report);
        AtomicFolder.Write(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)), temporary =>
        {
            var plots = ReportPlots.Write(temporary, data);
            MetricsJson.Write(Path.Combine(temporary, MetricsFileName), data);

            // report.md last: it is the file people open, so it exists only once everything it points to does.
            File.WriteAllText(Path.Combine(temporary, MarkdownFileName), ReportMarkdown.Render(data, plots));
            beforeCommit?.Invoke(temporary);
        });
    }
}
