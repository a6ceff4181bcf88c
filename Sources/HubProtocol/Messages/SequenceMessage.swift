/// Type 9 (stateful reconnect): sent first after a reconnect; the sequence id of the next trackable
/// message the sender will send.
///
/// This module only encodes and decodes `Sequence`; buffering and replay are up to the connection owner.
public struct SequenceMessage: Sendable, Hashable {
    /// The sequence id of the sender's next trackable message.
    public var sequenceId: Int64

    /// Creates a sequence message.
    public init(sequenceId: Int64) {
        self.sequenceId = sequenceId
    }
}
