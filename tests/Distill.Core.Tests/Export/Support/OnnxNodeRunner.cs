using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

using Distill.TestSupport;

namespace Distill.Core.Tests.Export.Support;

/// <summary>
/// Runs an ONNX model in onnxruntime-node (tools/ort-node/run.mjs, CPU), the second runtime that the export tests
/// compare .NET's ONNX Runtime against. See tools/ort-node/README.md.
/// </summary>
/// <remarks>
/// Each call starts one node process (about half a second, most of it loading the runtime). Every failure (node or
/// the package missing, the script rejecting the job, a timeout) is an <see cref="InvalidOperationException"/> whose
/// one-line message carries node's stderr.
/// </remarks>
public static class OnnxNodeRunner
{
    /// <summary>Long enough for a small exported transformer on a loaded 2-core machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    // A JSON number is a double in node: only integers up to 2^53 - 1 survive the trip as numbers.
    private const long MaxSafeJsonInteger = (1L << 53) - 1;

    // float32 holds every integer up to 2^24 exactly, and not all of those past it.
    private const long MaxExactFloatInteger = 1L << 24;

    private const string InstallHint =
        "install Node.js and npm (Debian: apt-get install nodejs npm), then build the tests again, which runs " +
        "'npm ci --ignore-scripts' in tools/ort-node";

    /// <summary>The folder holding Distill.sln, found by walking up from the test assembly's folder.</summary>
    public static string RepositoryRoot => SharedData.RepositoryRoot;

    public static string ToolDirectory => Path.Combine(RepositoryRoot, "tools", "ort-node");

    /// <summary>
    /// Runs <paramref name="modelPath"/> on <paramref name="inputs"/> and returns each output by name, or only those
    /// in <paramref name="outputNames"/>, with its dims and its flat row-major data.
    /// </summary>
    /// <remarks>
    /// Outputs come back as float32. Non-float outputs are converted where that is exact (bool as 0 and 1, integers
    /// up to 2^24 in size); an integer past that, or a string output, is an error rather than a silently rounded value.
    /// float64 outputs are rounded to float32.
    /// </remarks>
    public static IReadOnlyDictionary<string, (long[] Dims, float[] Data)> Run(
        string modelPath,
        IReadOnlyDictionary<string, NodeInput> inputs,
        IEnumerable<string>? outputNames = null,
        TimeSpan? timeout = null) =>
        Run(modelPath, inputs, outputNames, timeout ?? DefaultTimeout, "node", ToolDirectory);

    /// <summary>As the public overload, with the node executable and the tool folder given, so tests can break them.</summary>
    internal static IReadOnlyDictionary<string, (long[] Dims, float[] Data)> Run(
        string modelPath,
        IReadOnlyDictionary<string, NodeInput> inputs,
        IEnumerable<string>? outputNames,
        TimeSpan timeout,
        string nodeExecutable,
        string toolDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        ArgumentNullException.ThrowIfNull(inputs);

        // Checked here because node's own error for a missing package is a long stack trace about module resolution.
        if (!Directory.Exists(Path.Combine(toolDirectory, "node_modules", "onnxruntime-node")))
        {
            throw new InvalidOperationException($"onnxruntime-node is not installed in {toolDirectory}: {InstallHint}.");
        }

        var work = Directory.CreateTempSubdirectory("distill-ort-node-");
        try
        {
            var jobPath = Path.Combine(work.FullName, "job.json");
            var resultPath = Path.Combine(work.FullName, "result.json");
            File.WriteAllBytes(jobPath, WriteJob(Path.GetFullPath(modelPath), inputs, outputNames));

            var (exitCode, stderr) = RunNode(nodeExecutable, Path.Combine(toolDirectory, "run.mjs"), jobPath, resultPath, timeout, modelPath);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"onnxruntime-node failed on {modelPath} (exit code {exitCode}): {OneLine(stderr)}");
            }

            return ReadResult(resultPath);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder must not hide the test's own outcome.
            }
        }
    }

    private static (int ExitCode, string Stderr) RunNode(
        string nodeExecutable, string script, string jobPath, string resultPath, TimeSpan timeout, string modelPath)
    {
        var start = new ProcessStartInfo(nodeExecutable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(jobPath);
        start.ArgumentList.Add(resultPath);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start '{nodeExecutable}': {InstallHint}.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start '{nodeExecutable}' ({e.Message}): {InstallHint}.", e);
        }

        using (process)
        {
            // Both pipes drain while node runs; reading one after the other can deadlock on a full pipe.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited between the wait and the kill.
                }

                process.WaitForExit();
                throw new InvalidOperationException(
                    $"onnxruntime-node did not finish {modelPath} within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s and was stopped: {OneLine(stderr.Result)}");
            }

            // The parameterless wait also waits for the redirected streams to reach their end.
            process.WaitForExit();
            _ = stdout.Result;
            return (process.ExitCode, stderr.Result);
        }
    }

    private static byte[] WriteJob(string modelPath, IReadOnlyDictionary<string, NodeInput> inputs, IEnumerable<string>? outputNames)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", modelPath);
            json.WriteStartObject("inputs");
            foreach (var (name, input) in inputs)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", input.Dtype);
                json.WriteStartArray("dims");
                foreach (var dim in input.Dims)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data");
                if (input.Float32Data is { } floats)
                {
                    foreach (var value in floats)
                    {
                        WriteFloat(json, value);
                    }
                }
                else
                {
                    foreach (var value in input.Int64Data!)
                    {
                        WriteInt64(json, value);
                    }
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            if (outputNames is not null)
            {
                json.WriteStartArray("outputs");
                foreach (var name in outputNames)
                {
                    json.WriteStringValue(name);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteFloat(Utf8JsonWriter json, float value)
    {
        if (float.IsNaN(value))
        {
            json.WriteStringValue("NaN");
        }
        else if (float.IsInfinity(value))
        {
            json.WriteStringValue(value > 0 ? "Infinity" : "-Infinity");
        }
        else
        {
            // Widened first: the double's shortest text parses back (in node, as a double) to exactly this float.
            // The float's own shortest text is parsed as a double and then rounded again, which can land elsewhere.
            json.WriteNumberValue((double)value);
        }
    }

    private static void WriteInt64(Utf8JsonWriter json, long value)
    {
        if (value is >= -MaxSafeJsonInteger and <= MaxSafeJsonInteger)
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static IReadOnlyDictionary<string, (long[] Dims, float[] Data)> ReadResult(string resultPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(resultPath));
        var result = new Dictionary<string, (long[] Dims, float[] Data)>(StringComparer.Ordinal);
        foreach (var output in document.RootElement.GetProperty("outputs").EnumerateObject())
        {
            var dtype = output.Value.GetProperty("dtype").GetString() ?? "";
            var dims = output.Value.GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var data = output.Value.GetProperty("data").EnumerateArray()
                .Select((value, index) => ToFloat(output.Name, dtype, value, index))
                .ToArray();
            result[output.Name] = (dims, data);
        }

        return result;
    }

    private static float ToFloat(string output, string dtype, JsonElement value, int index)
    {
        switch (dtype)
        {
            case "float32" or "float64":
                return value.ValueKind == JsonValueKind.String
                    ? value.GetString() switch
                    {
                        "NaN" => float.NaN,
                        "Infinity" => float.PositiveInfinity,
                        "-Infinity" => float.NegativeInfinity,
                        var other => throw new InvalidOperationException($"output '{output}'[{index}] is the string '{other}', not a {dtype} value"),
                    }
                    : (float)value.GetDouble();
            case "bool":
                return value.GetBoolean() ? 1f : 0f;
            case "int8" or "uint8" or "int16" or "uint16" or "int32" or "uint32" or "int64" or "uint64":
                var integer = value.ValueKind == JsonValueKind.String
                    ? decimal.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
                    : value.GetDecimal();
                if (Math.Abs(integer) > MaxExactFloatInteger)
                {
                    throw new InvalidOperationException(
                        $"output '{output}' is {dtype} and [{index}] = {integer}, which float32 cannot hold exactly; Run returns float32 data");
                }

                return (float)integer;
            default:
                throw new InvalidOperationException($"output '{output}' is {dtype}, which Run cannot return as float32 data");
        }
    }

    private static string OneLine(string stderr)
    {
        // run.mjs reports its errors on lines of its own; anything else (node warnings, a crash) is kept whole,
        // without terminal colors.
        var lines = Regex.Replace(stderr, @"\x1b\[[0-9;]*m", "")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var own = lines.Where(line => line.StartsWith("ort-node:", StringComparison.Ordinal)).ToArray();
        var chosen = own.Length > 0 ? own : lines;
        return chosen.Length == 0 ? "(node wrote nothing to stderr)" : string.Join(" ", chosen);
    }
}
