import Synchronization

/// One message's bytes for every local recipient of one hub protocol.
///
/// A transport may keep its own encoding of the bytes here (a WebSocket frame, say), made once by
/// the first recipient and shared by the others, so a fan-out to many connections encodes and
/// copies the message once instead of once per connection.
public final class SharedMessage: Sendable {
    /// The serialized hub message, as ``HubConnection/write(_:)-([UInt8])`` would get it.
    public let bytes: [UInt8]
    @usableFromInline let encoded = Mutex<(any Sendable)?>(nil)

    /// Wraps `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The transport's encoding of the bytes: made by `make` on first use, then shared.
    /// One transport type per message (the first `T` asked for wins; another `T` is made each time).
    ///
    /// Inlinable so that it is specialized for the transport's `T`: unspecialized, every call looked
    /// up `T`'s generic metadata at run time (most of the ~4 % of a node's profile this call took in
    /// an unpaced fan-out, where it runs once per delivery).
    @inlinable
    public func encoded<T: Sendable>(as type: T.Type = T.self, _ make: ([UInt8]) -> T) -> T {
        encoded.withLock { cached in
            if let value = cached as? T { return value }
            let value = make(bytes)
            if cached == nil { cached = value }
            return value
        }
    }
}
