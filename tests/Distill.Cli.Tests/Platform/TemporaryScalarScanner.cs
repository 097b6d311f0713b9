using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Distill.Cli.Tests.Platform;

/// <summary>
/// Finds, in compiled IL, the calls that make a TorchSharp <c>Scalar</c> nothing keeps alive during the native call
/// it is made for: an implicit conversion (<c>x * 0.5</c>, <c>masked_fill(m, -1e9f)</c>, <c>clamp_min(0)</c>), a
/// <c>ToScalar()</c> whose result is neither stored in a field nor disposed later from a local, and a call to a
/// TorchSharp method whose own IL does either of those (such as <c>optim.AdamW.step</c>).
/// </summary>
/// <remarks>
/// Why IL and not source: the C# compiler inserts <c>Scalar.op_Implicit</c> where a number meets a <c>Scalar</c>
/// parameter, so the hazard is invisible in source. A <c>Scalar</c> has a finalizer; once the JIT sees no later use
/// of the object, the finalizer thread may free its native handle while libtorch reads it (dotnet/TorchSharp#1434,
/// #1496). A field or a <c>using</c> (which disposes after the call) keeps it alive.
/// </remarks>
internal sealed class TemporaryScalarScanner
{
    private const string ScalarType = "TorchSharp.Scalar";
    private readonly HashSet<string> _hazardousTorchSharpMethods;
    private readonly Dictionary<string, string> _torchSharpBaseTypes;

    private TemporaryScalarScanner(HashSet<string> hazardous, Dictionary<string, string> baseTypes)
    {
        _hazardousTorchSharpMethods = hazardous;
        _torchSharpBaseTypes = baseTypes;
    }

    /// <summary>TorchSharp methods that make a temporary Scalar themselves, directly or through another such method.</summary>
    public IReadOnlyCollection<string> HazardousTorchSharpMethods => _hazardousTorchSharpMethods;

    /// <summary>Reads TorchSharp's own IL once and closes its hazardous methods over its internal calls.</summary>
    public static TemporaryScalarScanner ForTorchSharp(string torchSharpPath)
    {
        var bodies = new Dictionary<string, List<Call>>(StringComparer.Ordinal);
        var hazardous = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in Methods(torchSharpPath))
        {
            bodies[method.Name] = method.Calls;
            if (method.Calls.Any(c => MakesTemporary(c, method.Calls)))
            {
                hazardous.Add(method.Name);
            }
        }

        // A method that calls a hazardous one is hazardous too (add(Tensor) calling add(Tensor, Scalar) with 1, say).
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (name, calls) in bodies)
            {
                if (!hazardous.Contains(name) && calls.Any(c => hazardous.Contains(c.Callee)))
                {
                    hazardous.Add(name);
                    changed = true;
                }
            }
        }

        return new TemporaryScalarScanner(hazardous, BaseTypes(torchSharpPath));
    }

    /// <summary>Every call in the assembly that makes a temporary Scalar, as "method: what it calls".</summary>
    public IReadOnlyList<string> Scan(string assemblyPath)
    {
        var findings = new List<string>();
        foreach (var method in Methods(assemblyPath))
        {
            foreach (var call in method.Calls)
            {
                if (MakesTemporary(call, method.Calls))
                {
                    findings.Add($"{method.Name}: {call.Callee} (a Scalar made for one call; hold it in a field or a using)");
                }
                else if (_hazardousTorchSharpMethods.Contains(call.Callee))
                {
                    findings.Add($"{method.Name}: {call.Callee} (TorchSharp makes a temporary Scalar inside it)");
                }
            }
        }

        // Modules and optimizers run through virtual calls (call() reaches forward(), Optimizer.step() reaches AdamW's),
        // which name the base method; so a TorchSharp type that Distill names at all must have safe ones.
        // An inherited forward() counts: BatchNorm2d runs BatchNorm's.
        foreach (var type in TorchSharpTypesNamed(assemblyPath))
        {
            foreach (var virtualEntry in VirtualEntries)
            {
                for (var owner = type; owner is not null; owner = _torchSharpBaseTypes.GetValueOrDefault(owner))
                {
                    var prefix = $"{owner}::{virtualEntry}(";
                    if (_hazardousTorchSharpMethods.Any(h => h.StartsWith(prefix, StringComparison.Ordinal)))
                    {
                        findings.Add($"uses {type}, whose {virtualEntry}() ({owner}'s) makes a temporary Scalar inside TorchSharp");
                        break;
                    }
                }
            }
        }

        return findings;
    }

    private static readonly string[] VirtualEntries = ["forward", "step"];

    /// <summary>Each TorchSharp type's base type, by name, where the base is a TorchSharp type too.</summary>
    private static Dictionary<string, string> BaseTypes(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new SignatureNames(md);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var handle in md.TypeDefinitions)
        {
            var baseType = md.GetTypeDefinition(handle).BaseType;
            var baseName = baseType.IsNil ? null : baseType.Kind switch
            {
                HandleKind.TypeDefinition => names.GetTypeFromDefinition(md, (TypeDefinitionHandle)baseType, 0),
                HandleKind.TypeSpecification => names.GenericTypeName((TypeSpecificationHandle)baseType),
                _ => null,
            };
            if (baseName is not null)
            {
                result[names.GetTypeFromDefinition(md, handle, 0)] = baseName;
            }
        }

        return result;
    }

    private static List<string> TorchSharpTypesNamed(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new SignatureNames(md);
        return md.TypeReferences.Select(names.GetTypeFromReference)
            .Where(n => n.StartsWith("TorchSharp.", StringComparison.Ordinal)).Distinct().ToList();
    }

    private static bool MakesTemporary(Call call, List<Call> all)
    {
        if (!call.Callee.StartsWith(ScalarType + "::op_Implicit(", StringComparison.Ordinal) && !IsToScalar(call.Callee))
        {
            return false;
        }

        // Explicit ToScalar() kept in a field, or in a local that is disposed (a using) or kept alive further on.
        return call.Callee.Contains("::op_Implicit(", StringComparison.Ordinal) || !call.Kept;
    }

    private static bool IsToScalar(string callee) =>
        callee.Contains("::ToScalar(", StringComparison.Ordinal) && callee.StartsWith("TorchSharp.", StringComparison.Ordinal);

    private sealed record Call(string Callee, bool Kept);

    private sealed record Method(string Name, List<Call> Calls);

    private static IEnumerable<Method> Methods(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new SignatureNames(md);
        var result = new List<Method>();
        foreach (var handle in md.MethodDefinitions)
        {
            var definition = md.GetMethodDefinition(handle);
            if (definition.RelativeVirtualAddress == 0)
            {
                continue;
            }

            var body = pe.GetMethodBody(definition.RelativeVirtualAddress);
            result.Add(new Method(names.MethodName(handle), Calls(md, names, body.GetILBytes()!)));
        }

        return result;
    }

    /// <summary>Walks the IL; for each call, whether a Scalar it returns is stored in a field or a local used later.</summary>
    private static List<Call> Calls(MetadataReader md, SignatureNames names, byte[] il)
    {
        var instructions = Decode(il);
        var calls = new List<Call>();
        for (var i = 0; i < instructions.Count; i++)
        {
            var (opcode, operand) = instructions[i];
            // ldftn too: a delegate made to a method (an optimizer's step lambda) runs that method later.
            if (opcode is not (ILOpCode.Call or ILOpCode.Callvirt or ILOpCode.Newobj or ILOpCode.Ldftn or ILOpCode.Ldvirtftn))
            {
                continue;
            }

            var callee = names.CalleeName(MetadataTokens.EntityHandle(operand));
            var kept = false;
            if (i + 1 < instructions.Count)
            {
                var (next, nextOperand) = instructions[i + 1];
                kept = next is ILOpCode.Stfld or ILOpCode.Stsfld
                    || (StoredLocal(next, nextOperand) is { } local && UsedLater(md, names, instructions, i + 2, local));
            }

            calls.Add(new Call(callee, kept));
        }

        return calls;
    }

    /// <summary>A local is kept alive if it is later passed to Dispose or GC.KeepAlive (what a using compiles to).</summary>
    private static bool UsedLater(MetadataReader md, SignatureNames names, List<(ILOpCode Op, int Operand)> instructions, int from, int local)
    {
        for (var i = from; i + 1 < instructions.Count; i++)
        {
            if (LoadedLocal(instructions[i].Op, instructions[i].Operand) == local && instructions[i + 1].Op is ILOpCode.Call or ILOpCode.Callvirt)
            {
                var callee = names.CalleeName(MetadataTokens.EntityHandle(instructions[i + 1].Operand));
                if (callee.Contains("::Dispose(", StringComparison.Ordinal) || callee.StartsWith("System.GC::KeepAlive(", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int? StoredLocal(ILOpCode op, int operand) => op switch
    {
        ILOpCode.Stloc_0 => 0,
        ILOpCode.Stloc_1 => 1,
        ILOpCode.Stloc_2 => 2,
        ILOpCode.Stloc_3 => 3,
        ILOpCode.Stloc_s or ILOpCode.Stloc => operand,
        _ => null,
    };

    private static int? LoadedLocal(ILOpCode op, int operand) => op switch
    {
        ILOpCode.Ldloc_0 => 0,
        ILOpCode.Ldloc_1 => 1,
        ILOpCode.Ldloc_2 => 2,
        ILOpCode.Ldloc_3 => 3,
        ILOpCode.Ldloc_s or ILOpCode.Ldloc => operand,
        _ => null,
    };

    /// <summary>Decodes the IL into (opcode, operand) pairs; operands other than tokens and locals are skipped.</summary>
    private static List<(ILOpCode Op, int Operand)> Decode(byte[] il)
    {
        var result = new List<(ILOpCode, int)>();
        var position = 0;
        while (position < il.Length)
        {
            int code = il[position++];
            if (code == 0xFE)
            {
                code = 0xFE00 | il[position++];
            }

            var op = (ILOpCode)code;
            var operand = 0;
            switch (OperandSize(op))
            {
                case -1: // switch: a count, then that many 4-byte targets
                    var count = BitConverter.ToInt32(il, position);
                    position += 4 + (4 * count);
                    break;
                case 1:
                    operand = il[position];
                    position += 1;
                    break;
                case 2:
                    operand = BitConverter.ToUInt16(il, position);
                    position += 2;
                    break;
                case 4:
                    operand = BitConverter.ToInt32(il, position);
                    position += 4;
                    break;
                case 8:
                    position += 8;
                    break;
            }

            result.Add((op, operand));
        }

        return result;
    }

    private static int OperandSize(ILOpCode op) => op switch
    {
        ILOpCode.Switch => -1,
        ILOpCode.Ldarg_s or ILOpCode.Ldarga_s or ILOpCode.Starg_s or ILOpCode.Ldloc_s or ILOpCode.Ldloca_s or ILOpCode.Stloc_s
            or ILOpCode.Ldc_i4_s or ILOpCode.Br_s or ILOpCode.Brfalse_s or ILOpCode.Brtrue_s or ILOpCode.Beq_s or ILOpCode.Bge_s
            or ILOpCode.Bgt_s or ILOpCode.Ble_s or ILOpCode.Blt_s or ILOpCode.Bne_un_s or ILOpCode.Bge_un_s or ILOpCode.Bgt_un_s
            or ILOpCode.Ble_un_s or ILOpCode.Blt_un_s or ILOpCode.Leave_s or ILOpCode.Unaligned => 1,
        ILOpCode.Ldarg or ILOpCode.Ldarga or ILOpCode.Starg or ILOpCode.Ldloc or ILOpCode.Ldloca or ILOpCode.Stloc => 2,
        ILOpCode.Ldc_i8 or ILOpCode.Ldc_r8 => 8,
        ILOpCode.Ldc_i4 or ILOpCode.Ldc_r4 or ILOpCode.Br or ILOpCode.Brfalse or ILOpCode.Brtrue or ILOpCode.Beq or ILOpCode.Bge
            or ILOpCode.Bgt or ILOpCode.Ble or ILOpCode.Blt or ILOpCode.Bne_un or ILOpCode.Bge_un or ILOpCode.Bgt_un or ILOpCode.Ble_un
            or ILOpCode.Blt_un or ILOpCode.Leave or ILOpCode.Jmp or ILOpCode.Call or ILOpCode.Calli or ILOpCode.Callvirt
            or ILOpCode.Cpobj or ILOpCode.Ldobj or ILOpCode.Ldstr or ILOpCode.Newobj or ILOpCode.Castclass or ILOpCode.Isinst
            or ILOpCode.Unbox or ILOpCode.Ldfld or ILOpCode.Ldflda or ILOpCode.Stfld or ILOpCode.Ldsfld or ILOpCode.Ldsflda
            or ILOpCode.Stsfld or ILOpCode.Stobj or ILOpCode.Box or ILOpCode.Newarr or ILOpCode.Ldelema or ILOpCode.Ldelem
            or ILOpCode.Stelem or ILOpCode.Unbox_any or ILOpCode.Refanyval or ILOpCode.Mkrefany or ILOpCode.Ldtoken
            or ILOpCode.Ldftn or ILOpCode.Ldvirtftn or ILOpCode.Initobj or ILOpCode.Constrained or ILOpCode.Sizeof => 4,
        _ => 0,
    };

    /// <summary>Names methods as "Namespace.Type+Nested::name(parameter types)" alike for definitions and references.</summary>
    private sealed class SignatureNames(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string MethodName(MethodDefinitionHandle handle)
        {
            var method = md.GetMethodDefinition(handle);
            return $"{TypeName(method.GetDeclaringType())}::{md.GetString(method.Name)}({Parameters(method.DecodeSignature(this, null))})";
        }

        public string CalleeName(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                    return MethodName((MethodDefinitionHandle)handle);
                case HandleKind.MemberReference:
                    var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                    if (reference.GetKind() != MemberReferenceKind.Method)
                    {
                        return "?";
                    }

                    var parent = reference.Parent.Kind switch
                    {
                        HandleKind.TypeReference => TypeName((TypeReferenceHandle)reference.Parent),
                        HandleKind.TypeDefinition => TypeName((TypeDefinitionHandle)reference.Parent),
                        HandleKind.TypeSpecification => GenericTypeName((TypeSpecificationHandle)reference.Parent),
                        _ => "?",
                    };
                    return $"{parent}::{md.GetString(reference.Name)}({Parameters(reference.DecodeMethodSignature(this, null))})";
                case HandleKind.MethodSpecification:
                    return CalleeName(md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
                default:
                    return "?";
            }
        }

        private static string Parameters(MethodSignature<string> signature) => string.Join(",", signature.ParameterTypes);

        public string GenericTypeName(TypeSpecificationHandle handle)
        {
            var name = md.GetTypeSpecification(handle).DecodeSignature(this, null);
            var open = name.IndexOf('<', StringComparison.Ordinal);
            return open < 0 ? name : name[..open];
        }

        private string TypeName(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var declaring = type.GetDeclaringType();
            return declaring.IsNil
                ? Join(md.GetString(type.Namespace), md.GetString(type.Name))
                : $"{TypeName(declaring)}+{md.GetString(type.Name)}";
        }

        private string TypeName(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{TypeName((TypeReferenceHandle)type.ResolutionScope)}+{md.GetString(type.Name)}"
                : Join(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        private static string Join(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => TypeName(handle);

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => TypeName(handle);

        public string GetTypeFromReference(TypeReferenceHandle handle) => TypeName(handle);

        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, context);

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
            $"{genericType}<{string.Join(",", typeArguments)}>";

        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;

        public string GetGenericTypeParameter(object? context, int index) => "!" + index;

        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetPinnedType(string elementType) => elementType;
    }
}
