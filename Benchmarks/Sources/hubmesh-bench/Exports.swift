// The load client's protocol side and BenchError live in BenchSupport, so that they are unit-tested
// without building this executable for testing.
@_exported import BenchSupport
