/// Calls `body` with the bytes of `bytes` in contiguous memory, copying them only when the collection
/// has no contiguous storage.
func withContiguousBytes<Bytes: Collection<UInt8>, Result>(
    _ bytes: Bytes,
    _ body: (UnsafeBufferPointer<UInt8>) throws(HubProtocolError) -> Result
) throws(HubProtocolError) -> Result {
    let direct: Swift.Result<Result, HubProtocolError>? = bytes.withContiguousStorageIfAvailable { buffer in
        do throws(HubProtocolError) {
            return .success(try body(buffer))
        } catch {
            return .failure(error)
        }
    }
    if let direct {
        return try direct.get()
    }
    return try Array(bytes).withUnsafeBufferPointer { (buffer) throws(HubProtocolError) -> Result in
        try body(buffer)
    }
}
