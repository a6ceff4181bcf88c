// libFuzzer entry for the mesh protocol decoder. Built by scripts/fuzz.sh together with
// Sources/HubMesh/Protocol/*.swift (one module, no package), with -sanitize=fuzzer,address.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let message = try MeshCodec.decode(bytes)
        // Whatever decodes must re-encode, and decode again to the same message.
        guard let again = try? MeshCodec.encode(message), (try? MeshCodec.decode(again)) == message else {
            fatalError("decoded message does not round-trip: \(message)")
        }
    } catch {
        precondition(!error.message.isEmpty, "an error without a message")
    }
    return 0
}
