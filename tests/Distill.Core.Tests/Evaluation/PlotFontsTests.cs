using Distill.Evaluation.Internal;
using SkiaSharp;

namespace Distill.Core.Tests.Evaluation;

/// <summary>
/// The plots' font: ScottPlot's own default resolves to DejaVu Serif on Debian with SkiaSharp's dependency-free Linux
/// assets, so the report picks a sans family itself.
/// </summary>
public class PlotFontsTests
{
    [Fact]
    public void Family_Should_BeAnInstalledSansFamily_When_OneIsInstalled()
    {
        // Arrange
        var installed = SKFontManager.Default.FontFamilies.ToList();
        var sans = installed.Where(f => f.Contains("Sans", StringComparison.OrdinalIgnoreCase) && !f.Contains("Mono", StringComparison.OrdinalIgnoreCase)).ToList();
        if (sans.Count == 0)
        {
            // A machine without sans fonts (or without fonts) has nothing better to choose; report.md says so.
            return;
        }

        // Act
        var family = PlotFonts.Family;

        // Assert
        family.Should().NotBeNull();
        installed.Should().Contain(family!);
        family.Should().NotContainAny("Serif", "Mono");
        if (installed.Contains("DejaVu Sans"))
        {
            family.Should().Be("DejaVu Sans");
        }
    }
}
