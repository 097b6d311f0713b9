using SkiaSharp;

namespace Distill.Evaluation.Internal;

/// <summary>
/// The font family the report's plots use. ScottPlot resolves its default "sans" font through SkiaSharp, and the
/// Linux SkiaSharp assets without dependencies (no fontconfig) fall back to the first family they find, which on
/// Debian is DejaVu Serif; plots read better in a sans family, so one is chosen here from the installed fonts.
/// </summary>
internal static class PlotFonts
{
    private static readonly string[] Preferred = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial", "Helvetica", "FreeSans", "Segoe UI"];

    private static readonly Lazy<string?> Chosen = new(Choose);

    /// <summary>The family to draw text with; null when SkiaSharp finds no font at all (text would not show).</summary>
    public static string? Family => Chosen.Value;

    private static string? Choose()
    {
        var installed = SKFontManager.Default.FontFamilies.ToList();
        return Preferred.FirstOrDefault(name => installed.Contains(name, StringComparer.OrdinalIgnoreCase))
            ?? installed.FirstOrDefault(name => name.Contains("Sans", StringComparison.OrdinalIgnoreCase) && !name.Contains("Mono", StringComparison.OrdinalIgnoreCase))
            ?? installed.FirstOrDefault();
    }
}
