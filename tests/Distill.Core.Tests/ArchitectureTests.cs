using System.Reflection;
using NetArchTest.Rules;

namespace Distill.Core.Tests;

/// <summary>
/// The folders of Distill.Core depend one way, in the order of docs/ARCHITECTURE.md, and no folder reaches into
/// another's <c>Internal</c>. Read from the compiled assemblies (NetArchTest, over Mono.Cecil: signatures, fields,
/// attributes and method bodies), so a dependency written with a fully qualified name or hidden in a lambda counts too.
/// </summary>
public class ArchitectureTests
{
    /// <summary>
    /// The folders of Distill.Core from the bottom up: each may use the folders before it, never one after it.
    /// Keep in step with docs/ARCHITECTURE.md.
    /// </summary>
    public static readonly string[] FolderOrder =
    [
        "Platform", "Metrics", "Data", "Text", "Students", "Teacher", "Cache", "Training", "Evaluation", "Export", "MLNet", "Recipes",
    ];

    private static readonly Assembly Core = typeof(DistillException).Assembly;

    [Fact]
    public void Every_Folder_Of_Core_Should_Be_In_The_Order()
    {
        var folders = Core.GetTypes()
            .Select(t => t.Namespace)
            .Where(n => n is not null && n.StartsWith("Distill.", StringComparison.Ordinal))
            .Select(n => n!.Split('.')[1])
            .Distinct()
            .ToList();

        folders.Should().BeSubsetOf(FolderOrder, "a new folder of Distill.Core needs its place in the order");
    }

    [Fact]
    public void A_Folder_Should_Not_Use_A_Folder_After_It()
    {
        var types = Types.InAssembly(Core);
        var findings = new List<string>();
        for (var i = 0; i < FolderOrder.Length; i++)
        {
            for (var j = i + 1; j < FolderOrder.Length; j++)
            {
                var later = Namespace(FolderOrder[j]);
                var result = types.That().ResideInNamespace(Namespace(FolderOrder[i]))
                    .ShouldNot().HaveDependencyOn(later)
                    .GetResult();
                findings.AddRange((result.FailingTypeNames ?? []).Select(t => $"{t} uses {later}"));
            }
        }

        string.Join(Environment.NewLine, findings.Distinct().Order()).Should().BeEmpty("a folder of Distill.Core uses only the folders before it (docs/ARCHITECTURE.md)");
    }

    [Fact]
    public void No_Type_Should_Use_Another_Folders_Internal()
    {
        var internals = Core.GetTypes()
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(n => n.EndsWith(".Internal", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        internals.Should().NotBeEmpty();

        var findings = new List<string>();
        var types = Types.InAssembly(Core);
        foreach (var internalNamespace in internals)
        {
            var owner = internalNamespace[..^".Internal".Length];
            var result = types.That().DoNotResideInNamespace(owner)
                .ShouldNot().HaveDependencyOn(internalNamespace)
                .GetResult();
            findings.AddRange((result.FailingTypeNames ?? []).Select(t => $"{t} uses {internalNamespace}"));
        }

        string.Join(Environment.NewLine, findings.Distinct().Order()).Should().BeEmpty("a folder's Internal is for that folder alone; offer a public service instead");
    }

    private static string Namespace(string folder) => "Distill." + folder;
}
