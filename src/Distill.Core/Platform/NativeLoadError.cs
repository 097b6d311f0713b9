namespace Distill.Platform;

/// <summary>Pulls the loader's own reason out of .NET's native-library errors.</summary>
internal static class NativeLoadError
{
    /// <summary>
    /// The loader's message from the innermost exception. .NET puts it on the last line of a DllNotFoundException's
    /// message (for example "libcublasLt.so.13: cannot open shared object file: No such file or directory"), after a
    /// paragraph of general advice.
    /// </summary>
    public static string Reason(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        var lines = error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? error.GetType().Name : lines[^1].TrimEnd('.');
    }
}
