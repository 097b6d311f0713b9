using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Distill.Core.Tests.Data.Pretrained;

/// <summary>
/// Small .NET assemblies made by the tests, with chosen manifest resources: a type is emitted with
/// <see cref="PersistedAssemblyBuilder"/>, and the resources are added to its metadata and PE image the way a compiler
/// embeds them (<see cref="MetadataBuilder.AddManifestResource"/>, each resource a 4-byte length then its bytes).
/// </summary>
internal static class TestAssemblies
{
    /// <summary>The bytes of a library assembly named <paramref name="name"/> that embeds <paramref name="resources"/>.</summary>
    public static byte[] WithResources(string name, params (string Name, byte[] Bytes)[] resources)
    {
        var assembly = new PersistedAssemblyBuilder(new AssemblyName(name), typeof(object).Assembly);
        var module = assembly.DefineDynamicModule(name);
        module.DefineType($"{name}.Marker", TypeAttributes.Public | TypeAttributes.Class | TypeAttributes.Sealed).CreateType();
        var metadata = assembly.GenerateMetadata(out var il, out var fieldData);
        var blobs = new BlobBuilder();
        foreach (var (resourceName, bytes) in resources)
        {
            metadata.AddManifestResource(ManifestResourceAttributes.Public, metadata.GetOrAddString(resourceName), default, (uint)blobs.Count);
            blobs.WriteInt32(bytes.Length);
            blobs.WriteBytes(bytes);
            blobs.Align(8);
        }

        var pe = new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(metadata), il, fieldData, blobs);
        var image = new BlobBuilder();
        pe.Serialize(image);
        return image.ToArray();
    }
}
