using System.Text;
using System.Text.RegularExpressions;

namespace Distill.Recipes.Internal;

/// <summary>
/// <c>${name}</c> and <c>${name:-default}</c> in scalar values. The default applies when the variable is unset or
/// empty, as in a POSIX shell; <c>$${</c> writes a literal <c>${</c>.
/// </summary>
internal static partial class RecipeSubstitution
{
    /// <summary>Names of the variables the tree uses, in order of first use.</summary>
    public static IReadOnlyList<string> VariablesIn(RecipeNode root)
    {
        var names = new List<string>();
        root.Walk((_, node, _) =>
        {
            if (node is ScalarNode { Value: { } text })
            {
                foreach (Match match in Reference().Matches(text))
                {
                    if (!names.Contains(match.Groups[1].Value))
                    {
                        names.Add(match.Groups[1].Value);
                    }
                }
            }
        });
        return names;
    }

    /// <summary>
    /// Substitutes every scalar of the tree in place. <paramref name="lookup"/> gives a variable's value, or null
    /// when it is not set. Problems go to <paramref name="report"/> (key path, line, the node, message), and the
    /// scalar is marked <see cref="ScalarNode.Unresolved"/>.
    /// </summary>
    public static void Apply(RecipeNode root, Func<string, string?> lookup, Action<string, int, RecipeNode, string> report)
    {
        root.Walk((path, node, line) =>
        {
            if (node is ScalarNode { Value: { } text } scalar && text.Contains('$', StringComparison.Ordinal))
            {
                scalar.Value = Substitute(text, lookup, message =>
                {
                    scalar.Unresolved = true;
                    report(path, line, node, message);
                });
            }
        });
    }

    /// <summary>The text with its references replaced; unresolved ones stay as written and are reported.</summary>
    public static string Substitute(string text, Func<string, string?> lookup, Action<string> report)
    {
        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && Starts(text, i + 1, "${"))
            {
                result.Append("${");
                i += 3;
                continue;
            }

            if (text[i] != '$' || !Starts(text, i + 1, "{"))
            {
                result.Append(text[i++]);
                continue;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                report($"has '${{' without its closing '}}' (was '{text}'); write ${{NAME}} or ${{NAME:-default}}, or $${{ for a literal ${{");
                result.Append(text, i, text.Length - i);
                break;
            }

            var inside = text[(i + 2)..close];
            var separator = inside.IndexOf(":-", StringComparison.Ordinal);
            var name = separator < 0 ? inside : inside[..separator];
            var fallback = separator < 0 ? null : inside[(separator + 2)..];
            if (!Name().IsMatch(name))
            {
                report($"has '${{{inside}}}', which names no variable; write ${{NAME}} or ${{NAME:-default}} with a name of letters, digits and _");
                result.Append(text, i, close + 1 - i);
            }
            else if (lookup(name) is { } value && (value.Length > 0 || fallback is null))
            {
                result.Append(value);
            }
            else if (fallback is not null)
            {
                result.Append(fallback);
            }
            else
            {
                report($"uses ${{{name}}}, which is not set; set it with --set {name}=value or the environment variable {name}, " +
                       $"or give a default: ${{{name}:-value}}");
                result.Append(text, i, close + 1 - i);
            }

            i = close + 1;
        }

        return result.ToString();
    }

    private static bool Starts(string text, int at, string prefix) =>
        at + prefix.Length <= text.Length && string.CompareOrdinal(text, at, prefix, 0, prefix.Length) == 0;

    [GeneratedRegex(@"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Name();
}
