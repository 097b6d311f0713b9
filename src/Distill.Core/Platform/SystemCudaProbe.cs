using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Distill.Platform;

/// <summary>Asks TorchSharp and ONNX Runtime on this machine whether they can use CUDA. Results are kept per process.</summary>
public sealed class SystemCudaProbe : ICudaProbe
{
    private readonly Lazy<CudaAvailability> _torch = new(ProbeTorch);
    private readonly Dictionary<int, CudaAvailability> _onnx = [];

    /// <summary>The probe of this process.</summary>
    public static SystemCudaProbe Instance { get; } = new();

    /// <summary>The TorchSharp backend this build of Distill was compiled with: <c>cpu</c> or <c>cuda</c>.</summary>
    public static string TorchBackend { get; } =
        typeof(SystemCudaProbe).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Distill.TorchBackend")?.Value ?? "cpu";

    /// <inheritdoc />
    public CudaAvailability Torch() => _torch.Value;

    /// <inheritdoc />
    public CudaAvailability Onnx(int deviceIndex)
    {
        lock (_onnx)
        {
            if (!_onnx.TryGetValue(deviceIndex, out var result))
            {
                result = ProbeOnnx(deviceIndex);
                _onnx[deviceIndex] = result;
            }

            return result;
        }
    }

    private static CudaAvailability ProbeTorch()
    {
        if (TorchBackend != "cuda")
        {
            return CudaAvailability.None(
                "this build of Distill uses TorchSharp-cpu, which has no CUDA; rebuild with -p:TorchBackend=cuda " +
                "(it needs the TorchSharp-cuda-linux package and the NVIDIA driver)");
        }

        TorchRuntime.EnsureLoaded();
        if (!TorchSharp.torch.cuda.is_available())
        {
            return CudaAvailability.None(
                "TorchSharp's CUDA backend finds no usable GPU; check that the NVIDIA driver is installed (nvidia-smi lists the GPU)");
        }

        return new CudaAvailability(TorchSharp.torch.cuda.device_count(), null);
    }

    private static CudaAvailability ProbeOnnx(int deviceIndex)
    {
        var env = OrtEnv.Instance();
        if (!env.GetAvailableProviders().Contains("CUDAExecutionProvider"))
        {
            return CudaAvailability.None(
                "this ONNX Runtime package has no CUDA execution provider; reference Microsoft.ML.OnnxRuntime.Gpu instead of Microsoft.ML.OnnxRuntime");
        }

        // Load the provider library ourselves first: where a CUDA library is missing, the loader's message names it,
        // which ONNX Runtime only prints to the console.
        var provider = FindNativeLibrary("libonnxruntime_providers_cuda.so");
        if (provider is not null)
        {
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(provider));
            }
            catch (DllNotFoundException e)
            {
                return CudaAvailability.None(
                    $"ONNX Runtime's CUDA provider cannot load ({NativeLoadError.Reason(e)}); install the CUDA and cuDNN " +
                    $"runtime libraries ONNX Runtime {env.GetVersionString()} needs and put them on LD_LIBRARY_PATH");
            }
        }

        var level = env.EnvLogLevel;
        try
        {
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            using var options = new SessionOptions();
            options.AppendExecutionProvider_CUDA(deviceIndex);
            return new CudaAvailability(1, null);
        }
        catch (OnnxRuntimeException e)
        {
            return CudaAvailability.None(
                $"ONNX Runtime's CUDA provider does not start on GPU {deviceIndex} ({NativeLoadError.Reason(e)}); check the NVIDIA driver and the CUDA libraries");
        }
        finally
        {
            env.EnvLogLevel = level;
        }
    }

    private static string? FindNativeLibrary(string fileName)
    {
        var root = AppContext.BaseDirectory;
        var direct = Path.Combine(root, fileName);
        if (File.Exists(direct))
        {
            return direct;
        }

        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var nested = Path.Combine(root, "runtimes", rid, "native", fileName);
        return File.Exists(nested) ? nested : null;
    }
}
