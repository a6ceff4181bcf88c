/// A SignalR hub protocol message (types 1–9), independent of its encoding.
///
/// Encode and decode messages with a ``HubProtocolCodec`` (``JSONHubProtocol`` or
/// ``MessagePackHubProtocol``).
public enum HubMessage: Sendable, Hashable {
    /// Type 1: a call of a method on the other side.
    case invocation(InvocationMessage)
    /// Type 2: one item of a stream (a streamed result or an upload stream item).
    case streamItem(StreamItemMessage)
    /// Type 3: the end of an invocation or stream, with a result or an error.
    case completion(CompletionMessage)
    /// Type 4: a call of a streaming method.
    case streamInvocation(StreamInvocationMessage)
    /// Type 5: a request to cancel an invocation or stream.
    case cancelInvocation(CancelInvocationMessage)
    /// Type 6: a keep-alive.
    case ping
    /// Type 7: the connection is being closed.
    case close(CloseMessage)
    /// Type 8: stateful reconnect acknowledgement.
    case ack(AckMessage)
    /// Type 9: stateful reconnect resynchronisation.
    case sequence(SequenceMessage)

    /// The message type of this message.
    public var type: HubMessageType {
        switch self {
        case .invocation: return .invocation
        case .streamItem: return .streamItem
        case .completion: return .completion
        case .streamInvocation: return .streamInvocation
        case .cancelInvocation: return .cancelInvocation
        case .ping: return .ping
        case .close: return .close
        case .ack: return .ack
        case .sequence: return .sequence
        }
    }
}

/// The numeric `type` of a hub message.
public enum HubMessageType: Int, Sendable, Hashable, CaseIterable {
    /// 1
    case invocation = 1
    /// 2
    case streamItem = 2
    /// 3
    case completion = 3
    /// 4
    case streamInvocation = 4
    /// 5
    case cancelInvocation = 5
    /// 6
    case ping = 6
    /// 7
    case close = 7
    /// 8
    case ack = 8
    /// 9
    case sequence = 9
}
