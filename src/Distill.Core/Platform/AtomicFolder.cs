namespace Distill.Platform;

/// <summary>
/// Writes a folder so that it appears whole or not at all: the contents go into a hidden temporary folder next to the
/// target (same file system, so a rename is atomic), which is then renamed into place. A crash part-way leaves only a
/// hidden <c>.name.tmp-*</c> folder, never a half-written target.
/// </summary>
internal static class AtomicFolder
{
    /// <summary>
    /// Fills a temporary folder with <paramref name="write"/> and renames it to <paramref name="target"/> (a full path).
    /// An existing target is replaced: the caller decides whether that is allowed. The old folder is moved aside first
    /// and put back if the rename fails, then deleted.
    /// </summary>
    public static void Write(string target, Action<string> write)
    {
        var parent = Path.GetDirectoryName(target)!;
        var name = Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var temporary = Path.Combine(parent, $".{name}.tmp-{suffix}");
        Directory.CreateDirectory(temporary);
        try
        {
            write(temporary);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        string? aside = null;
        if (Directory.Exists(target))
        {
            aside = Path.Combine(parent, $".{name}.old-{suffix}");
            Directory.Move(target, aside);
        }

        try
        {
            Directory.Move(temporary, target);
        }
        catch
        {
            if (aside is not null && !Directory.Exists(target))
            {
                Directory.Move(aside, target);
                aside = null;
            }

            TryDelete(temporary);
            throw;
        }

        if (aside is not null)
        {
            TryDelete(aside);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover hidden .tmp-/.old- folder is harmless and its name says what it is.
        }
    }
}
