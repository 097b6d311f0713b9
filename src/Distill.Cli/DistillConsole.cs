using Spectre.Console;
using Spectre.Console.Rendering;

namespace Distill.Cli;

/// <summary>
/// The console the <c>distill</c> command writes to, and how it writes lines that must stay whole.
/// </summary>
internal static class DistillConsole
{
    /// <summary>
    /// The width output is rendered at when it is not a terminal (a log file, a pipe, CI). Spectre.Console assumes 80
    /// columns there, which folds a results table and splits one error over several lines; a log has no width, so
    /// tables take the width their content needs (they are not expanded) and text is never folded.
    /// </summary>
    public const int RedirectedWidth = 4096;

    /// <summary>A console over <paramref name="output"/>: a terminal keeps its own width, anything else gets <see cref="RedirectedWidth"/>.</summary>
    public static IAnsiConsole Create(TextWriter output)
    {
        var target = new AnsiConsoleOutput(output);
        if (target.IsTerminal)
        {
            return AnsiConsole.Create(new AnsiConsoleSettings { Out = target });
        }

        // Plain text, as Spectre.Console itself writes to a redirected standard output: colour codes in a log are noise.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = target, Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = RedirectedWidth;
        return console;
    }

    /// <summary>
    /// Writes <c>error: </c> and <paramref name="message"/>, each of its lines whole whatever the console's width: an
    /// error copied from a terminal or grepped from a log must be the line it was written as (a terminal still wraps
    /// it for display, without adding line breaks).
    /// </summary>
    public static void WriteError(this IAnsiConsole console, string message) => console.WriteWhole("[red]error:[/]", message);

    /// <summary>Writes <c>note: </c> and <paramref name="message"/> as <see cref="WriteError"/> writes an error: whole.</summary>
    public static void WriteNote(this IAnsiConsole console, string message) => console.WriteWhole("[yellow]note:[/]", message);

    private static void WriteWhole(this IAnsiConsole console, string label, string message) =>
        console.Write(new Unwrapped(new Markup($"{label} {Markup.Escape(message)}\n")));

    /// <summary>Renders its content as if the console were wide enough for its longest line.</summary>
    private sealed class Unwrapped(IRenderable content) : IRenderable
    {
        private const int Unlimited = 1_000_000;

        public Measurement Measure(RenderOptions options, int maxWidth) => content.Measure(options, Unlimited);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => content.Render(options, Unlimited);
    }
}
