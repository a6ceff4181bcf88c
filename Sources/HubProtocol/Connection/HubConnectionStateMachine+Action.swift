extension HubConnectionStateMachine {
    /// Where the connection is in its life.
    public enum State: Sendable, Hashable {
        /// Waiting for the client's handshake request.
        case awaitingHandshake
        /// The handshake succeeded; hub messages flow.
        case connected
        /// The connection is over; every further event is ignored.
        case closed
    }

    /// What the connection's owner must do, in order.
    public enum Action: Sendable, Hashable {
        /// Write the handshake response (always JSON text, `{}`+`0x1E` or `{"error":…}`+`0x1E`), in
        /// a frame of the negotiated protocol's transfer format (text if none was negotiated).
        case sendHandshakeResponse([UInt8])
        /// Hand a message from the client to the hub. Pings and Close messages are handled by the
        /// state machine and never delivered; Ack and Sequence are delivered.
        case deliver(HubMessage)
        /// Write this keep-alive `Ping` (already framed for the negotiated protocol).
        case sendPing([UInt8])
        /// Write `finalMessage` if it is not nil (a framed `Close` message), then close the transport.
        /// `error` says why, for logs; nil for a normal close.
        case close(finalMessage: [UInt8]?, error: HubProtocolError?)
    }
}
