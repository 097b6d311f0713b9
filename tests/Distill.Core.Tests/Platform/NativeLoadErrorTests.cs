using Distill.Platform;

namespace Distill.Core.Tests.Platform;

public class NativeLoadErrorTests
{
    [Fact]
    public void Reason_Should_ReturnTheLoaderLine_When_DotnetWrapsItInAdvice()
    {
        // The shape of .NET's message on Linux: advice first, the dlerror() text on the last line.
        var inner = new DllNotFoundException(
            "Unable to load shared library 'LibTorchSharp' or one of its dependencies. In order to help diagnose loading " +
            "problems, consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n" +
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by libLibTorchSharp.so)\n");
        var outer = new TypeInitializationException("TorchSharp.torch", inner);

        NativeLoadError.Reason(outer).Should().Be(
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by libLibTorchSharp.so)");
    }
}
