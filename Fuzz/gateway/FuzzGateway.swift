@testable import HubGateway

// libFuzzer entry for the gateway's ingress decoder. scripts/fuzz.sh builds HubProtocol, the mesh
// protocol files and HubGateway/{Ingress,JSON,Idempotency} as instrumented static modules
// (-sanitize=fuzzer,address), then this file on top.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var decoder = RequestDecoder(options: .init(maxFrameBytes: 8192, maxBatchItems: 16, hubs: []))
    let outcome = decoder.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    // Every refusal carries a code and a message a publisher can act on.
    let results: [Result<IngressRequest, IngressError>]
    switch outcome {
    case .single(_, let result): results = [result]
    case .batch(_, let items): results = items
    }
    for case .failure(let error) in results {
        precondition(!error.message.isEmpty, "a refusal without a message")
    }
    return 0
}
