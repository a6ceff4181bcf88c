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
    // The receive path's prefix cache: primed with a good stream frame, then this input, must decode
    // exactly as the plain decoder does (same message, or an error both ways).
    let plain = try? MeshCodec.decode(bytes)
    for primer in [bytes, fuzzPrimer] {
        var cache = MeshCodec.PrefixCache()
        _ = primer.withUnsafeBytes { try? MeshCodec.decode($0, maxFrameSize: MeshCodec.defaultMaxFrameSize, cache: &cache) }
        let cached = bytes.withUnsafeBytes { try? MeshCodec.decode($0, maxFrameSize: MeshCodec.defaultMaxFrameSize, cache: &cache) }
        guard cached?.message == plain else {
            fatalError("the prefix cache changes the result: \(String(describing: cached)) vs \(String(describing: plain))")
        }
    }
    // Batches: whatever unpacks holds at least two frames, each inside the input, starting with the
    // batch's topic; each then decodes (or fails) like a frame received alone.
    bytes.withUnsafeBytes { buffer in
        guard let topicLength = MeshCodec.batchTopicLength(buffer) else { return }
        guard let frames = try? MeshCodec.batchedFrames(buffer, topicLength: topicLength, maxFrameSize: MeshCodec.defaultMaxFrameSize) else {
            return
        }
        precondition(frames.count >= 2, "a batch of \(frames.count) frames")
        for range in frames {
            precondition(range.lowerBound > topicLength && range.upperBound <= buffer.count && range.count > topicLength, "frame \(range)")
            precondition(buffer[range].prefix(topicLength).elementsEqual(buffer.prefix(topicLength)), "a frame of another topic")
            var cache = MeshCodec.PrefixCache()
            _ = try? MeshCodec.decode(UnsafeRawBufferPointer(rebasing: buffer[range]), maxFrameSize: MeshCodec.defaultMaxFrameSize, cache: &cache)
        }
    }
    return 0
}

/// A group message like the seeds': inputs that start like it take the cached path.
let fuzzPrimer: [UInt8] =
    (try? MeshCodec.encode(
        MeshMessage(
            header: MeshHeader(origin: "node-a", epoch: 1, sequence: 1, messageID: 1),
            body: .hub(.group(GroupMessage(hub: "chat", group: "room", payloads: Payloads(["json": [0x7B, 0x7D]])))))))
    ?? []
