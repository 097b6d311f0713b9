namespace Distill.Recipes.Internal;

/// <summary>
/// Collects the errors of one recipe, each as one line: <c>file.yaml:LINE key.path message</c>, with
/// <c>(from --set ...)</c> or <c>(from profile 'quick')</c> when the value did not come from the file itself.
/// </summary>
internal sealed class RecipeErrorList(string fileName)
{
    private readonly List<(int Line, string Text)> _errors = [];

    public string FileName { get; } = fileName;

    public int Count => _errors.Count;

    /// <summary>Adds an error at a line (0 = none), for a key path (null = none).</summary>
    public void Add(int line, string? path, string message, string? origin = null, int column = 0)
    {
        var where = line <= 0 ? FileName : column > 0 ? $"{FileName}:{line}:{column}" : $"{FileName}:{line}";
        var text = string.IsNullOrEmpty(path) ? $"{where} {message}" : $"{where} {path} {message}";
        if (origin is not null)
        {
            text += $" (from {origin})";
        }

        if (!_errors.Exists(e => e.Text == text))
        {
            _errors.Add((line, text));
        }
    }

    /// <summary>The errors by line; those without a line (overrides, keys missing at the top) first; stable otherwise.</summary>
    public IReadOnlyList<string> Lines() =>
        _errors.Select((error, order) => (error, order))
            .OrderBy(x => x.error.Line)
            .ThenBy(x => x.order)
            .Select(x => x.error.Text)
            .ToList();
}
