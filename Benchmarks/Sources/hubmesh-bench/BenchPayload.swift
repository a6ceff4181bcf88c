/// The 100-byte message body every system in a row carries: the intended send time (u64, little
/// endian) at offset 0, the sequence number at offset 8, then filler.
enum BenchPayload {
    static let size = 100

    static func make(sendTime: UInt64, sequence: UInt64, into buffer: inout [UInt8]) {
        if buffer.count != size { buffer = [UInt8](repeating: UInt8(ascii: "x"), count: size) }
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: sendTime.littleEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
    }

    @inline(__always)
    static func sendTime(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard bytes.count >= 16 else { return 0 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
    }

    @inline(__always)
    static func sequence(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard bytes.count >= 16 else { return 0 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }
}
