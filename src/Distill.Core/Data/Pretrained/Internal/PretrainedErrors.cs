using System.Globalization;
using Distill.Data.Download;

namespace Distill.Data.Pretrained.Internal;

/// <summary>
/// The errors of fetching a pretrained model, each one line that names the source, the file, what was seen and what to
/// do. As for data sets: no source reachable and bad settings exit with 2 (<see cref="DistillErrorKind.Environment"/>,
/// <see cref="DistillErrorKind.InvalidInput"/>); a file that arrived and is wrong exits with 1
/// (<see cref="DistillErrorKind.RunFailed"/>).
/// </summary>
internal static class PretrainedErrors
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static DistillException NotAnAssembly(string assembly, string why, Exception? inner = null) =>
        new(DistillErrorKind.RunFailed,
            $"{assembly} is not a .NET assembly ({why}), so no embedded resource can be read from it; nothing was written. " +
            "Check that the package is the one the model's catalog entry names", inner);

    public static DistillException MissingResource(string assembly, string resource, IReadOnlyList<string> present) =>
        new(DistillErrorKind.RunFailed,
            $"{assembly} has no embedded resource '{resource}' (it has: {(present.Count == 0 ? "none" : string.Join(", ", present.Take(10)))}); " +
            "nothing was written. Check that the package is the version the model's catalog entry names");

    public static DistillException DamagedResource(string assembly, string resource, string why) =>
        new(DistillErrorKind.RunFailed,
            $"{assembly}: the embedded resource '{resource}' is damaged ({why}); nothing was written. Delete that copy of the package and fetch it again");

    public static DistillException SizeMismatch(string model, string fileName, string origin, long actual, long expected, string fix) =>
        new(DistillErrorKind.RunFailed,
            $"{origin}: {fileName} of {model} has {actual.ToString("N0", Invariant)} bytes, expected {expected.ToString("N0", Invariant)}: " +
            $"not the published file; nothing was written. {fix}");

    public static DistillException ChecksumMismatch(string model, string fileName, string origin, string actual, string expected, string fix) =>
        new(DistillErrorKind.RunFailed,
            $"{origin}: SHA-256 of {fileName} of {model} is {actual}, expected {expected}: not the published file, or damaged; " +
            $"nothing was written. {fix}");

    public static DistillException NoSource(PretrainedModelDefinition model, string folder, IEnumerable<string> reasons) =>
        new(DistillErrorKind.Environment,
            $"cannot fetch {model.Name}: {string.Join("; ", reasons)}. Put {Join(model.Files.Select(f => string.IsNullOrEmpty(f.Description) ? f.Name : $"{f.Name} ({f.Description})"))} " +
            $"in {folder} by hand, or make one of its sources reachable");

    public static DistillException UnknownModel(string name, IEnumerable<string> known) =>
        new(DistillErrorKind.InvalidInput, $"unknown pretrained model '{name}'; known models: {string.Join(", ", known)}");

    public static DistillException UnknownSource(PretrainedModelDefinition model, string value) =>
        new(DistillErrorKind.InvalidInput,
            $"--source must be one of {string.Join(", ", model.Sources.Select(s => s.Name))} for {model.Name} (was '{value}')");

    public static DistillException BadDefinition(PretrainedModelDefinition model, string problem) =>
        new(DistillErrorKind.InvalidInput, $"pretrained model {model.Name}: {problem}; fix its catalog entry");

    public static DistillException BadNuGetConfiguration(string root, Exception error) =>
        new(DistillErrorKind.InvalidInput,
            $"cannot read the NuGet configuration that applies to {root}: {FirstLine(error.Message)}. Fix that nuget.config, or run from another folder", error);

    public static DistillException NotAPackage(string package, Exception error) =>
        new(DistillErrorKind.RunFailed,
            $"{package} is not a readable NuGet package ({FirstLine(error.Message)}); nothing was written. Check the feed that served it", error);

    public static DistillException WrongPackage(string package, string found, string expected) =>
        new(DistillErrorKind.RunFailed,
            $"{package} holds {found}, not {expected}; nothing was written. Check the feed that served it");

    public static DistillException MissingAssembly(string package, string assemblyPath, IEnumerable<string> files) =>
        new(DistillErrorKind.RunFailed,
            $"{package} has no {assemblyPath} (it holds: {string.Join(", ", files.Take(10))}); nothing was written. " +
            "Check that the feed serves the package as published");

    public static DistillException CannotWrite(string folder, Exception error) =>
        new(DistillErrorKind.InvalidInput,
            $"cannot write to {folder}: {error.Message}. Choose another folder with --dir, {DataDirectory.EnvironmentVariable} " +
            $"or {PretrainedModels.CacheEnvironmentVariable}", error);

    public static DistillException NoCacheFolder() =>
        new(DistillErrorKind.Environment,
            $"no folder to cache pretrained models in: neither {PretrainedModels.CacheEnvironmentVariable}, XDG_CACHE_HOME nor HOME is set. " +
            $"Set {PretrainedModels.CacheEnvironmentVariable} to a writable folder");

    /// <summary>The first line of a message: NuGet's errors can run over several.</summary>
    public static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static string Join(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} and {list[^1]}";
    }
}
