using NetArchTest.Rules;

namespace Distill.Cli.Tests.Platform;

/// <summary>
/// The CLI parses, displays and sets exit codes: it calls Distill.Core's public services and never a folder's
/// <c>Internal</c> (docs/ARCHITECTURE.md). Read from the compiled IL, so fully qualified uses count too.
/// </summary>
public class ArchitectureTests
{
    [Fact]
    public void The_Cli_Should_Not_Use_Any_Internal_Namespace_Of_Core()
    {
        var core = typeof(DistillException).Assembly;
        var internals = core.GetTypes()
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(n => n.EndsWith(".Internal", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        internals.Should().NotBeEmpty();

        var result = Types.InAssembly(typeof(DistillApp).Assembly)
            .ShouldNot().HaveDependencyOnAny(internals)
            .GetResult();

        string.Join(Environment.NewLine, result.FailingTypeNames ?? []).Should().BeEmpty("the CLI calls Distill.Core's public services");
    }
}
