/// Type 8 (stateful reconnect): the highest sequence id of the trackable messages the sender has processed.
///
/// This module only encodes and decodes `Ack`; buffering and replay are up to the connection owner.
public struct AckMessage: Sendable, Hashable {
    /// The highest processed sequence id.
    public var sequenceId: Int64

    /// Creates an acknowledgement.
    public init(sequenceId: Int64) {
        self.sequenceId = sequenceId
    }
}
