using Spectre.Console.Testing;

namespace Distill.Cli.Tests;

/// <summary>Every command's --help renders (option descriptions are Spectre markup, where a stray '[' breaks the page).</summary>
public sealed class HelpTests
{
    [Theory]
    [InlineData("recipe")]
    [InlineData("train")]
    [InlineData("eval")]
    [InlineData("export")]
    [InlineData("cache", "build")]
    [InlineData("cache", "inspect")]
    [InlineData("cache", "merge")]
    [InlineData("bench")]
    [InlineData("inspect")]
    [InlineData("doctor")]
    [InlineData("data", "get")]
    public void Help_Should_ListTheOptions_When_AskedForAnyCommand(params string[] command)
    {
        // Arrange
        var console = new TestConsole().Width(200);

        // Act
        var code = DistillApp.Run([.. command, "--help"], console);

        // Assert
        code.Should().Be(DistillApp.Success, console.Output);
        console.Output.Should().Contain("USAGE:").And.Contain("OPTIONS:").And.NotContain("error:");
    }

    [Fact]
    public void Help_Should_ShowTheSetOptionWithItsListExample_When_AskedForRecipe()
    {
        // Arrange
        var console = new TestConsole().Width(300);

        // Act
        DistillApp.Run(["recipe", "--help"], console);

        // Assert
        console.Output.Should().Contain("--set seeds=[1]; also defines ${name} for substitution");
        console.Output.Should().Contain("--quick").And.Contain("--dry-run").And.Contain("--resume").And.Contain("--overwrite");
    }
}
