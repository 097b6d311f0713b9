using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Distill.Data.Pretrained.Internal;

/// <summary>
/// Reads the manifest resources embedded in a .NET assembly without loading it: the assembly is only data here (a
/// package's DLL that Distill never runs), and loading it would tie a 90 MB image to the process. The PE headers, the
/// CLI header's Resources directory and the ManifestResource table are read with System.Reflection.Metadata; each
/// embedded resource sits at its table offset within that directory as a 4-byte little-endian length, then the bytes
/// (ECMA-335 II.24.2.4 and II.22.24). The resource streams read the memory-mapped file, so nothing is copied up front.
/// </summary>
internal sealed class ManifestResourceReader : IDisposable
{
    private readonly FileStream _file;
    private readonly PEReader _pe;
    private readonly Dictionary<string, long> _offsets;
    private readonly DirectoryEntry _directory;

    private ManifestResourceReader(string displayName, FileStream file, PEReader pe, DirectoryEntry directory, Dictionary<string, long> offsets)
    {
        DisplayName = displayName;
        _file = file;
        _pe = pe;
        _directory = directory;
        _offsets = offsets;
    }

    /// <summary>How messages name the assembly (for example <c>lib/netstandard2.1/X.dll in X 1.0.0</c>).</summary>
    public string DisplayName { get; }

    /// <summary>The names of the resources embedded in the assembly itself (not those linked from other files), in table
    /// order.</summary>
    public IReadOnlyList<string> Names => _offsets.Keys.ToList();

    /// <summary>Opens <paramref name="path"/> and reads its resource table.</summary>
    /// <param name="path">The assembly file.</param>
    /// <param name="displayName">How messages name it; default the path.</param>
    /// <exception cref="DistillException">The file is not a .NET assembly, or its resource table is damaged.</exception>
    public static ManifestResourceReader Open(string path, string? displayName = null)
    {
        displayName ??= path;
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        PEReader? pe = null;
        try
        {
            pe = new PEReader(file, PEStreamOptions.LeaveOpen);
            bool hasMetadata;
            try
            {
                hasMetadata = pe.HasMetadata;
            }
            catch (BadImageFormatException e)
            {
                throw PretrainedErrors.NotAnAssembly(displayName, $"not a PE file: {e.Message}", e);
            }

            if (!hasMetadata || pe.PEHeaders.CorHeader is not { } cor)
            {
                throw PretrainedErrors.NotAnAssembly(displayName, "a PE file without .NET metadata (a native library?)");
            }

            var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
            try
            {
                var metadata = pe.GetMetadataReader();
                foreach (var handle in metadata.ManifestResources)
                {
                    var resource = metadata.GetManifestResource(handle);
                    // A nil implementation means the bytes are in this file; others point at another file or assembly.
                    if (resource.Implementation.IsNil)
                    {
                        offsets[metadata.GetString(resource.Name)] = resource.Offset;
                    }
                }
            }
            catch (BadImageFormatException e)
            {
                throw PretrainedErrors.NotAnAssembly(displayName, $"its metadata cannot be read: {e.Message}", e);
            }

            var reader = new ManifestResourceReader(displayName, file, pe, cor.ResourcesDirectory, offsets);
            pe = null;
            return reader;
        }
        finally
        {
            if (pe is not null)
            {
                pe.Dispose();
                file.Dispose();
            }
        }
    }

    /// <summary>The length in bytes of the resource <paramref name="name"/>.</summary>
    /// <exception cref="DistillException">The assembly has no such resource, or its entry points outside the file.</exception>
    public long Length(string name) => Locate(name).Length;

    /// <summary>A read-only stream over the bytes of the resource <paramref name="name"/>, valid while this reader is
    /// open.</summary>
    /// <exception cref="DistillException">The assembly has no such resource, or its entry points outside the file.</exception>
    public unsafe Stream OpenResource(string name)
    {
        var (block, length) = Locate(name);
        return new UnmanagedMemoryStream(block.Pointer + sizeof(int), length);
    }

    public void Dispose()
    {
        _pe.Dispose();
        _file.Dispose();
    }

    private (PEMemoryBlock Block, long Length) Locate(string name)
    {
        if (!_offsets.TryGetValue(name, out var offset))
        {
            throw PretrainedErrors.MissingResource(DisplayName, name, Names);
        }

        if (_directory.Size < sizeof(int) || offset > _directory.Size - sizeof(int))
        {
            throw PretrainedErrors.DamagedResource(DisplayName, name,
                $"its offset {offset} lies outside the {_directory.Size}-byte resources directory");
        }

        PEMemoryBlock block;
        try
        {
            block = _pe.GetSectionData(_directory.RelativeVirtualAddress + (int)offset);
        }
        catch (BadImageFormatException e)
        {
            throw PretrainedErrors.DamagedResource(DisplayName, name, e.Message);
        }

        if (block.Length < sizeof(int))
        {
            throw PretrainedErrors.DamagedResource(DisplayName, name, "its offset lies outside every section of the file");
        }

        var length = (uint)block.GetReader().ReadInt32();
        if (length > _directory.Size - sizeof(int) - offset || length > block.Length - sizeof(int))
        {
            throw PretrainedErrors.DamagedResource(DisplayName, name,
                $"its length {length} runs past the end of the resources directory or of the file");
        }

        return (block, length);
    }
}
