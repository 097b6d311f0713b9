using System.Globalization;

namespace Distill.Benchmarks;

/// <summary>Reads <c>--name value</c> options of a benchmark; an unknown option is an error that lists the known ones.</summary>
internal sealed class BenchmarkOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public BenchmarkOptions(string benchmark, string[] args, params string[] known)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !known.Contains(name[2..]))
            {
                throw new ArgumentException($"{benchmark}: unknown option '{name}'. Known: {string.Join(", ", known.Select(k => "--" + k))}");
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{benchmark}: option '{name}' needs a value");
            }

            _values[name[2..]] = args[++i];
        }

        Benchmark = benchmark;
    }

    public string Benchmark { get; }

    public string Text(string name, string fallback) => _values.TryGetValue(name, out var text) ? text : fallback;

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var text)
        ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{Benchmark}: --{name} must be a whole number > 0 (was '{text}')")
        : fallback;

    public int[] Ints(string name, int[] fallback) => _values.TryGetValue(name, out var text)
        ? text.Split(',').Select(part => int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{Benchmark}: --{name} must be a comma-separated list of whole numbers > 0 (was '{text}')")).ToArray()
        : fallback;
}
