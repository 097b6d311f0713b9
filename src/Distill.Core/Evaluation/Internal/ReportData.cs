using Distill.Metrics;

namespace Distill.Evaluation.Internal;

/// <summary>
/// What metrics.json, report.md and the plots are made from, worked out once from a <see cref="RunReport"/>: the
/// summary, the calibration of every model whose probabilities were kept, each run's evaluations per epoch, and the
/// representative seed whose plots stand for the distilled student.
/// </summary>
internal sealed class ReportData
{
    private ReportData(RunReport report)
    {
        Report = report;
        Summary = RunSummary.Of(report);
        TeacherDev = Calibrate(report.DevLabels, report.Teacher.DevProbabilities, report.CalibrationBins);
        TeacherTest = Calibrate(report.TestLabels, report.Teacher.TestProbabilities, report.CalibrationBins);
        Distilled = report.Distilled.Select(r => Facts(r, report)).ToList();
        Baseline = (report.Baseline ?? []).Select(r => Facts(r, report)).ToList();
        Variants = (report.Variants ?? []).Select(v => (IReadOnlyList<RunFacts>)v.Runs.Select(r => Facts(r, report)).ToList()).ToList();

        // The lower median by dev accuracy: a seed that neither flatters nor slights the student.
        Representative = Distilled.OrderBy(r => r.Run.Dev.Accuracy).ElementAt((Distilled.Count - 1) / 2);
    }

    public RunReport Report { get; }

    public RunSummary Summary { get; }

    public CalibrationMetrics? TeacherDev { get; }

    public CalibrationMetrics? TeacherTest { get; }

    public IReadOnlyList<RunFacts> Distilled { get; }

    public IReadOnlyList<RunFacts> Baseline { get; }

    /// <summary>The runs of each variant, in <see cref="RunReport.Variants"/>' order.</summary>
    public IReadOnlyList<IReadOnlyList<RunFacts>> Variants { get; }

    /// <summary>The distilled seed the loss, reliability and confusion plots show.</summary>
    public RunFacts Representative { get; }

    public static ReportData Of(RunReport report) => new(report);

    private static RunFacts Facts(StudentRunReport run, RunReport report)
    {
        IReadOnlyList<MetricsLogReader.Evaluation> evaluations = run.Evaluations.Count > 0
            ? run.Evaluations.Select(e => new MetricsLogReader.Evaluation(e.Stage, e.Epoch, e.Step, e.Metrics.Accuracy, e.Metrics.MacroF1, e.Metrics.LogLoss, e.Metrics.TeacherAgreement)).ToList()
            : run.MetricsLog is { } log && File.Exists(log) ? MetricsLogReader.Read(log).Evaluations : [];
        return new RunFacts(run, Calibrate(report.DevLabels, run.DevProbabilities, report.CalibrationBins),
            Calibrate(report.TestLabels, run.TestProbabilities, report.CalibrationBins), evaluations);
    }

    private static CalibrationMetrics? Calibrate(IReadOnlyList<int>? labels, IReadOnlyList<float[]>? probabilities, int bins) =>
        labels is { Count: > 0 } && probabilities is not null ? CalibrationMetrics.Compute(labels, probabilities, bins) : null;

    /// <summary>One seed of a student with what was worked out from it.</summary>
    public sealed record RunFacts(StudentRunReport Run, CalibrationMetrics? Dev, CalibrationMetrics? Test, IReadOnlyList<MetricsLogReader.Evaluation> Evaluations);
}
