namespace Distill.MLNet.Internal;

/// <summary>
/// Schema errors in ML.NET's words ("Could not find text column 'Text'", "Schema mismatch for text column 'Text':
/// expected String, got Single"), followed by what the input has and how to fix it. They are
/// <see cref="ArgumentOutOfRangeException"/>s on <c>inputSchema</c>, as ML.NET's own are.
/// </summary>
internal static class SchemaErrors
{
    public const string Parameter = "inputSchema";

    public static ArgumentOutOfRangeException Missing(string role, string name, string available, string fix) =>
        new(Parameter, $"Could not find {role} column '{name}'; the input has {available}; {fix}");

    public static ArgumentOutOfRangeException Mismatch(string role, string name, string expected, string actual, string fix) =>
        new(Parameter, $"Schema mismatch for {role} column '{name}': expected {expected}, got {actual}; {fix}");
}
