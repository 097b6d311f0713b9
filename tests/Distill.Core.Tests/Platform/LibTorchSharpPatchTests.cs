using System.Runtime.InteropServices;
using Distill.Build;
using Distill.Platform;

namespace Distill.Core.Tests.Platform;

/// <summary>
/// The build step that weakens libLibTorchSharp.so's GLIBCXX_3.4.32 requirement: what it did to this test project's
/// output folder, that the NuGet cache stays untouched, and that the edit is what makes the library load.
/// </summary>
public class LibTorchSharpPatchTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";
    private readonly string _scratch = Directory.CreateTempSubdirectory("distill-elf-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static string OutputCopy =>
        Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).Single();

    private static string CacheCopy
    {
        get
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            File.Exists(path).Should().BeTrue($"the restore puts TorchSharp's native library at {path}");
            return path;
        }
    }

    private static bool SystemHasVersion =>
        ElfSymbolVersions.ReadDefinedVersions(File.ReadAllBytes(ElfSymbolVersions.FindSystemLibStdCxx()!)).Contains(Version);

    private static ElfVersionNeed Need(string path) =>
        ElfSymbolVersions.ReadVersionNeeds(File.ReadAllBytes(path)).Single(n => n.Version == Version);

    [Fact]
    public void FindSystemLibStdCxx_Should_FindTheLibraryThatDefinesGlibcxxVersions()
    {
        var path = ElfSymbolVersions.FindSystemLibStdCxx();

        path.Should().NotBeNull();
        ElfSymbolVersions.ReadDefinedVersions(File.ReadAllBytes(path!)).Should().Contain("GLIBCXX_3.4").And.Contain("CXXABI_1.3");
    }

    [Fact]
    public void ReadVersionNeeds_Should_ListTheLibstdcxxRequirements_When_ReadingLibTorchSharp()
    {
        var needs = ElfSymbolVersions.ReadVersionNeeds(File.ReadAllBytes(CacheCopy));

        needs.Should().Contain(n => n.Library == "libstdc++.so.6" && n.Version == Version);
        needs.Should().Contain(n => n.Library == "libc.so.6" && n.Version == "GLIBC_2.2.5");
        needs.Where(n => n.Version != Version).Should().OnlyContain(n => !n.IsWeak, "nothing but the one marker is weakened");
    }

    [Fact]
    public void Build_Should_WeakenOnlyTheOutputCopy_When_TheSystemLacksTheVersion()
    {
        var output = Need(OutputCopy);
        var cache = Need(CacheCopy);

        cache.IsWeak.Should().BeFalse("the NuGet cache is never modified");
        if (SystemHasVersion)
        {
            File.ReadAllBytes(OutputCopy).Should().Equal(File.ReadAllBytes(CacheCopy), "a libstdc++ with the version needs no change");
        }
        else
        {
            output.IsWeak.Should().BeTrue("the build marks the requirement weak where the system lacks it");
            var patched = File.ReadAllBytes(OutputCopy);
            var original = File.ReadAllBytes(CacheCopy);
            patched.Length.Should().Be(original.Length);
            Enumerable.Range(0, original.Length).Where(i => patched[i] != original[i])
                .Should().Equal([(int)cache.FlagsOffset], "only the low byte of vna_flags changes (0 -> 2)");
        }
    }

    [Fact]
    public void WeakenVersionNeed_Should_ChangeOnlyTheFlag_And_BeIdempotent()
    {
        var copy = Path.Combine(_scratch, "libLibTorchSharp.so");
        File.Copy(CacheCopy, copy);
        var before = File.ReadAllBytes(copy);

        var first = ElfSymbolVersions.WeakenVersionNeed(copy, Version);
        var afterFirst = File.ReadAllBytes(copy);
        var second = ElfSymbolVersions.WeakenVersionNeed(copy, Version);

        first.Should().Be(WeakenOutcome.Weakened);
        second.Should().Be(WeakenOutcome.AlreadyWeak);
        File.ReadAllBytes(copy).Should().Equal(afterFirst);
        Need(copy).Flags.Should().Be((ushort)(Need(CacheCopy).Flags | ElfSymbolVersions.VerFlagWeak));
        Enumerable.Range(0, before.Length).Count(i => before[i] != afterFirst[i]).Should().Be(1);
        ElfSymbolVersions.WeakenVersionNeed(copy, "GLIBCXX_99.0").Should().Be(WeakenOutcome.NotNeeded);
    }

    [Fact]
    public void WeakenVersionNeed_Should_ReplaceALink_NotWriteThroughIt()
    {
        var target = Path.Combine(_scratch, "original.so");
        var link = Path.Combine(_scratch, "libLibTorchSharp.so");
        File.Copy(CacheCopy, target);
        File.CreateSymbolicLink(link, target);

        ElfSymbolVersions.WeakenVersionNeed(link, Version);

        Need(target).IsWeak.Should().BeFalse("the file behind the link (the NuGet cache, in a build) is untouched");
        new FileInfo(link).LinkTarget.Should().BeNull("the link was replaced by the edited copy");
        Need(link).IsWeak.Should().BeTrue();
    }

    [Fact]
    public void WeakenVersionNeed_Should_ExplainWhatIsWrong_When_TheFileIsNotElf()
    {
        var text = Path.Combine(_scratch, "notes.txt");
        File.WriteAllText(text, "not a shared library");

        var act = () => ElfSymbolVersions.WeakenVersionNeed(text, Version);

        act.Should().Throw<InvalidDataException>().WithMessage("not an ELF file");
    }

    [Fact]
    public void WeakenedLibrary_Should_Load_Where_TheOriginalDoesNot()
    {
        // libtorch is loaded first so that the copies below find their dependencies by soname.
        TorchRuntime.EnsureLoaded();
        var unpatched = Path.Combine(_scratch, "unpatched", "libLibTorchSharp.so");
        var patched = Path.Combine(_scratch, "patched", "libLibTorchSharp.so");
        Directory.CreateDirectory(Path.GetDirectoryName(unpatched)!);
        Directory.CreateDirectory(Path.GetDirectoryName(patched)!);
        File.Copy(CacheCopy, unpatched);
        File.Copy(CacheCopy, patched);
        ElfSymbolVersions.WeakenVersionNeed(patched, Version);

        var loadsUnpatched = TryLoad(unpatched, out var unpatchedError);
        var loadsPatched = TryLoad(patched, out var patchedError);

        loadsPatched.Should().BeTrue(patchedError);
        if (SystemHasVersion)
        {
            loadsUnpatched.Should().BeTrue(unpatchedError);
        }
        else
        {
            loadsUnpatched.Should().BeFalse("the loader refuses a strong need for a version the system lacks");
            unpatchedError.Should().Contain(Version);
        }
    }

    private static bool TryLoad(string path, out string error)
    {
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            error = string.Empty;
            return true;
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return false;
        }
    }
}
