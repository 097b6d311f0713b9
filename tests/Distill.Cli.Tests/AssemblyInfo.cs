// Tests here touch process-wide state (TorchSharp's native library, ONNX Runtime's environment): run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
