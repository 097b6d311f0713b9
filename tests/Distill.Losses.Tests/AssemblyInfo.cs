// TorchSharp keeps global state (default dtype, dispose scopes, live-tensor statistics per thread); the tests that
// read or set it must not interleave with others.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
