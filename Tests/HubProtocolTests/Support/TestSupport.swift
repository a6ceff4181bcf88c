import Foundation
import Testing

@testable import HubProtocol

/// Bytes from a hex string such as `"96 01 80"` or `"0x96 0x01"`; whitespace and `0x` are ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = text.replacingOccurrences(of: "0x", with: "").filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits in \(text)")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// The lowercase hex of `bytes`, space separated.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}

/// UTF-8 bytes of `text`.
func utf8(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// UTF-8 bytes of `text` followed by the record separator.
func record(_ text: String) -> [UInt8] {
    Array(text.utf8) + [0x1E]
}

/// A small deterministic PRNG (SplitMix64), so fuzz runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// An instant of a hand-driven clock, for the state machine tests.
struct TestInstant: InstantProtocol {
    var offset: Duration

    static let zero = TestInstant(offset: .zero)

    func advanced(by duration: Duration) -> TestInstant {
        TestInstant(offset: offset + duration)
    }

    func duration(to other: TestInstant) -> Duration {
        other.offset - offset
    }

    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool {
        lhs.offset < rhs.offset
    }

    static func seconds(_ value: Int64) -> TestInstant {
        TestInstant(offset: .seconds(value))
    }
}

/// The error thrown by `body`, or nil; any error other than `HubProtocolError` is a test failure.
func capturedError<Result>(_ body: () throws -> Result) -> HubProtocolError? {
    do {
        _ = try body()
        return nil
    } catch let error as HubProtocolError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}
