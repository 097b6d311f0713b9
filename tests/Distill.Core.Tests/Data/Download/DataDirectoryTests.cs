using Distill.Data.Download;

namespace Distill.Core.Tests.Data.Download;

public sealed class DataDirectoryTests
{
    [Fact]
    public void Resolve_Should_PreferTheGivenFolder_When_TheVariableIsAlsoSet()
    {
        DataDirectory.Resolve("/given", "/from-env").Should().Be(Path.GetFullPath("/given"));
    }

    [Fact]
    public void Resolve_Should_UseTheVariable_When_NoFolderIsGiven()
    {
        DataDirectory.Resolve(null, "/from-env").Should().Be(Path.GetFullPath("/from-env"));
        DataDirectory.Resolve(" ", "/from-env").Should().Be(Path.GetFullPath("/from-env"));
    }

    [Fact]
    public void Resolve_Should_UseDataUnderTheWorkingDirectory_When_NeitherIsSet()
    {
        DataDirectory.Resolve(null, null).Should().Be(Path.Combine(Directory.GetCurrentDirectory(), "data"));
        DataDirectory.Resolve(null, "").Should().Be(Path.Combine(Directory.GetCurrentDirectory(), "data"));
    }
}
