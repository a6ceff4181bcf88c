/// JSON strings scanned a word at a time: shared by HubProtocol's scanner and the gateway's request
/// reader, which both spend most of their time in strings.
package enum PlainASCII {
    /// How many of the 8 bytes of `word` (as loaded from memory), from the first, are ASCII that a
    /// JSON string holds as is: no quote, no backslash, no control character.
    ///
    /// Per byte, the high bit says "stop here": set in bytes ≥ 0x80; in `(byte - n) & ~byte` for a
    /// byte below n (n ≤ 0x80); in `(x - 1) & ~x` for a zero `x = byte ^ c`. Borrows only travel
    /// upwards, so the lowest flagged byte is always a true one, and the prefix ends there.
    @inlinable
    package static func prefixLength(_ word: UInt64) -> Int {
        let word = UInt64(littleEndian: word)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let control = (word &- ones &* 0x20) & ~word
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let flags = (word | control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & (ones &* 0x80)
        return flags.trailingZeroBitCount / 8
    }
}
