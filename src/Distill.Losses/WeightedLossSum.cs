using Distill.Losses.Internal;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>The value of one term in a computed <see cref="WeightedLossSum"/>.</summary>
/// <param name="Name">The entry's name (the term's key unless named otherwise).</param>
/// <param name="Weight">The weight used at this point of training.</param>
/// <param name="Value">The term's value before weighting.</param>
public readonly record struct LossTermValue(string Name, double Weight, double Value);

/// <summary>The result of <see cref="WeightedLossSum.Compute"/>.</summary>
/// <param name="Total">The weighted sum, a scalar tensor that carries the gradient.</param>
/// <param name="Terms">Each term's weight and unweighted value, in the order of the sum.</param>
public sealed record LossSumResult(Tensor Total, IReadOnlyList<LossTermValue> Terms);

/// <summary>
/// A training objective: <c>L = Σ_k w_k(progress) · L_k</c>, a weighted sum of loss terms whose weights may follow
/// a schedule. <see cref="ToString"/> prints the formula it computes, for logs and reports, e.g.
/// <c>L = 0.5·CE(s, y) + 0.5·T²·KL(softmax(t/T) ‖ softmax(s/T)) [T=4]</c>.
/// </summary>
public sealed class WeightedLossSum
{
    private readonly List<Entry> _entries = [];

    private sealed record Entry(string Name, ILossTerm Term, WeightSchedule Schedule);

    /// <summary>Adds a term with a constant weight; returns this sum for chaining.</summary>
    public WeightedLossSum Add(ILossTerm term, double weight = 1.0, string? name = null) =>
        Add(term, WeightSchedule.Constant(weight), name);

    /// <summary>Adds a term whose weight follows <paramref name="schedule"/>; returns this sum for chaining.</summary>
    /// <param name="term">The term.</param>
    /// <param name="schedule">Its weight schedule.</param>
    /// <param name="name">A name for logs, unique in this sum; defaults to the term's key (numbered when repeated).</param>
    public WeightedLossSum Add(ILossTerm term, WeightSchedule schedule, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(term);
        ArgumentNullException.ThrowIfNull(schedule);
        var chosen = name ?? term.Key;
        if (name is null)
        {
            for (var n = 2; _entries.Any(e => e.Name == chosen); n++)
            {
                chosen = $"{term.Key}_{n}";
            }
        }
        else if (_entries.Any(e => e.Name == name))
        {
            throw new ArgumentException($"name: the sum already has a term named '{name}'", nameof(name));
        }

        _entries.Add(new Entry(chosen, term, schedule));
        return this;
    }

    /// <summary>The terms in the order of the sum.</summary>
    public IReadOnlyList<ILossTerm> Terms => _entries.Select(e => e.Term).ToList();

    /// <summary>Every parameter owned by a term (learned projections): hand these to the optimizer with the student's.</summary>
    public IEnumerable<Parameter> Parameters() => _entries.SelectMany(e => e.Term.Parameters());

    /// <summary>
    /// Computes every term and their weighted sum for one batch. Terms whose weight is 0 at this point are skipped
    /// (not computed) and reported with value 0.
    /// </summary>
    public LossSumResult Compute(LossInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_entries.Count == 0)
        {
            throw new InvalidOperationException("The loss sum has no terms: add at least one (for example ce or kd).");
        }

        using var scope = NewDisposeScope();
        Tensor? total = null;
        var values = new List<LossTermValue>(_entries.Count);
        foreach (var entry in _entries)
        {
            var weight = entry.Schedule.WeightAt(inputs.Progress);
            if (weight == 0)
            {
                values.Add(new LossTermValue(entry.Name, 0, 0));
                continue;
            }

            var value = entry.Term.Compute(inputs);
            values.Add(new LossTermValue(entry.Name, weight, value.detach().to(ScalarType.Float64).item<double>()));
            var weighted = value.Times(weight);
            total = total is null ? weighted : total.Plus(weighted);
        }

        // Every weight is 0 at this point (all terms still warming up): a zero that the backward pass accepts.
        total ??= zeros(1, requires_grad: true, device: inputs.StudentLogits?.device).sum();
        return new LossSumResult(total.MoveToOuterDisposeScope(), values);
    }

    /// <summary>The formula: <c>L = w1·formula1 + w2·formula2 ...</c>.</summary>
    public override string ToString() =>
        _entries.Count == 0
            ? "L = 0"
            : "L = " + string.Join(" + ", _entries.Select(e => $"{e.Schedule}·{Wrap(e.Term.Formula)}"));

    private static string Wrap(string formula) => formula.Contains(" + ") ? $"({formula})" : formula;
}
