import Glibc

/// Splits NDJSON input into lines (protocol section 10): `\n` ends a line, a `\r` right before it is
/// dropped, a last line without `\n` is delivered by ``finish(_:)``, and a line longer than the limit
/// is reported as too long without being kept in memory.
struct LineSplitter {
    /// One input line.
    enum Line {
        /// The line's bytes, without `\r\n` / `\n`. Valid only during the callback.
        case text(UnsafeRawBufferPointer)
        /// The line was longer than the limit (its length in bytes, at least limit + 1).
        case tooLong(Int)
    }

    /// The longest line accepted, in bytes (without the line ending).
    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var overlong = false
    private var overlongLength = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds a chunk of input; `body` gets every line the chunk completes, in order.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (Line) -> Void) {
        var start = 0
        while start < chunk.count {
            guard let newline = Self.find(UInt8(ascii: "\n"), in: chunk, from: start) else {
                keep(UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return
            }
            let segment = UnsafeRawBufferPointer(rebasing: chunk[start..<newline])
            if overlong {
                body(.tooLong(overlongLength + segment.count))
                overlong = false
                overlongLength = 0
            } else if pending.isEmpty {
                deliver(segment, body)
            } else {
                pending.appendBytes(segment)
                pending.withUnsafeBytes { deliver($0, body) }
                pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
            }
            start = newline + 1
        }
    }

    /// Delivers the last line if the input did not end with `\n`.
    mutating func finish(_ body: (Line) -> Void) {
        if overlong {
            body(.tooLong(overlongLength))
        } else if !pending.isEmpty {
            pending.withUnsafeBytes { deliver($0, body) }
        }
        pending.removeAll()
        overlong = false
        overlongLength = 0
    }

    private func deliver(_ line: UnsafeRawBufferPointer, _ body: (Line) -> Void) {
        var line = line
        if let last = line.last, last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        if line.count > maxLineBytes {
            body(.tooLong(line.count))
        } else {
            body(.text(line))
        }
    }

    /// Keeps the start of a line whose end has not arrived, unless it is already too long
    /// (one byte of slack for a `\r` before the `\n`).
    private mutating func keep(_ part: UnsafeRawBufferPointer) {
        if overlong {
            overlongLength += part.count
        } else if pending.count + part.count > maxLineBytes + 1 {
            overlong = true
            overlongLength = pending.count + part.count
            pending.removeAll()
        } else {
            pending.appendBytes(part)
        }
    }

    private static func find(_ byte: UInt8, in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }
}
