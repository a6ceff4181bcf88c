/// The protocol logic of one hub connection on the server: handshake, message framing, keep-alive
/// pings and timeouts. A value type with no I/O and no clock: events go in, ``Action``s come out.
///
/// **Time.** Every event takes `now`, an instant of any clock whose durations are `Swift.Duration`
/// (in production `ContinuousClock.Instant`, in tests any instant you advance by hand). After each
/// event, call ``tick(now:)`` no later than ``nextDeadline``.
///
/// **Life.** ``State/awaitingHandshake`` → ``State/connected`` → ``State/closed``:
/// - the handshake must arrive within `handshakeTimeout`; a bad one (bad JSON, unknown protocol,
///   version other than 0, 1 or 2, too large) is answered with `{"error":…}` and the connection closes;
/// - once connected, bytes are split into messages with the protocol's ``HubMessageReader``;
///   malformed or oversized input closes the connection with a `Close` message carrying the error;
/// - a `Ping` is sent when nothing was sent for `keepAliveInterval` (report every write of your own
///   with ``messageSent(now:)``); the connection closes when the client sent nothing for
///   `clientTimeout`.
///
/// **Stateful reconnect** is out of scope: `Ack` and `Sequence` messages are decoded and
/// delivered, but message buffering, sequence numbering and replay are left to the owner.
public struct HubConnectionStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private enum Phase: Sendable {
        case awaitingHandshake(HandshakeReader, deadline: Instant)
        case connected(Connected)
        case closed
    }

    private struct Connected: Sendable {
        var codec: any HubProtocolCodec
        var version: Int
        var reader: any HubMessageReader
        var lastReceived: Instant
        var ping: [UInt8]
    }

    /// The configuration the connection runs with.
    public let configuration: HubConnectionConfiguration
    private var phase: Phase
    /// When the server last sent something (kept outside ``phase``: ``messageSent(now:)`` runs for
    /// every message to every connection and must not copy the connected state). The handshake
    /// sets it, so what ``messageSent(now:)`` records before it does not count.
    private var lastSent: Instant

    /// Starts a connection that has just been accepted at `now`.
    public init(configuration: HubConnectionConfiguration = HubConnectionConfiguration(), now: Instant) {
        self.configuration = configuration
        self.lastSent = now
        self.phase = .awaitingHandshake(
            HandshakeReader(maxSize: configuration.maxMessageSize),
            deadline: now.advanced(by: configuration.handshakeTimeout)
        )
    }

    /// Where the connection is in its life.
    public var state: State {
        switch phase {
        case .awaitingHandshake: return .awaitingHandshake
        case .connected: return .connected
        case .closed: return .closed
        }
    }

    /// The negotiated protocol, once connected; encode outgoing messages with it.
    public var codec: (any HubProtocolCodec)? {
        if case .connected(let connected) = phase { return connected.codec }
        return nil
    }

    /// The protocol version the client asked for (0, 1 or 2), once connected.
    public var protocolVersion: Int? {
        if case .connected(let connected) = phase { return connected.version }
        return nil
    }

    /// When ``tick(now:)`` must be called next; nil once closed.
    public var nextDeadline: Instant? {
        switch phase {
        case .awaitingHandshake(_, let deadline):
            return deadline
        case .connected(let connected):
            return min(
                lastSent.advanced(by: configuration.keepAliveInterval),
                connected.lastReceived.advanced(by: configuration.clientTimeout)
            )
        case .closed:
            return nil
        }
    }

    /// Bytes arrived from the client (one transport frame, or any part of the stream).
    public mutating func bytesReceived(_ bytes: some Collection<UInt8>, now: Instant) -> [Action] {
        switch phase {
        case .awaitingHandshake(var handshake, let deadline):
            phase = .closed
            let outcome: HandshakeReader.Outcome
            do throws(HubProtocolError) {
                outcome = try handshake.read(bytes)
            } catch {
                return failHandshake(error)
            }
            switch outcome {
            case .needMoreData:
                phase = .awaitingHandshake(handshake, deadline: deadline)
                return []
            case .complete(let request, let leftover):
                return completeHandshake(request, leftover: leftover, now: now)
            }
        case .connected(var connected):
            phase = .closed
            connected.lastReceived = now
            connected.reader.append(bytes)
            return drain(&connected)
        case .closed:
            return []
        }
    }

    /// The owner wrote something to the client (anything other than the actions' own bytes);
    /// this postpones the next keep-alive ping.
    public mutating func messageSent(now: Instant) {
        // No look at `phase` here: even `case .connected = phase` copies it in this generic code
        // (through the enum's value witnesses), retaining and releasing the codec, the reader and
        // the ping once per message per connection. Only `tick` in the connected phase reads this.
        lastSent = max(lastSent, now)
    }

    /// Time passed: sends a keep-alive ping or closes on a timeout when one is due.
    public mutating func tick(now: Instant) -> [Action] {
        switch phase {
        case .awaitingHandshake(_, let deadline):
            guard now >= deadline else { return [] }
            return failHandshake(
                HubProtocolError(
                    code: .handshakeTimeout,
                    message: "The client did not complete the handshake within \(Self.describe(configuration.handshakeTimeout))"
                )
            )
        case .connected(let connected):
            if now >= connected.lastReceived.advanced(by: configuration.clientTimeout) {
                let error = HubProtocolError(
                    code: .clientTimeout,
                    message: "No message was received from the client within \(Self.describe(configuration.clientTimeout))"
                )
                return closeConnected(connected, error: error)
            }
            guard now >= lastSent.advanced(by: configuration.keepAliveInterval) else { return [] }
            lastSent = now
            return [.sendPing(connected.ping)]
        case .closed:
            return []
        }
    }

    /// The server closes the connection; once connected, a `Close` message is sent first.
    public mutating func close(error: String? = nil, allowReconnect: Bool = false) -> [Action] {
        switch phase {
        case .awaitingHandshake:
            phase = .closed
            return [.close(finalMessage: nil, error: nil)]
        case .connected(let connected):
            phase = .closed
            let message = try? connected.codec.encode(.close(CloseMessage(error: error, allowReconnect: allowReconnect)))
            return [.close(finalMessage: message, error: nil)]
        case .closed:
            return []
        }
    }

    /// The transport closed by itself; the connection is over.
    public mutating func transportClosed() {
        phase = .closed
    }

    private mutating func completeHandshake(_ request: HandshakeRequest, leftover: [UInt8], now: Instant) -> [Action] {
        let codec: any HubProtocolCodec
        do throws(HubProtocolError) {
            codec = try request.resolveProtocol(among: configuration.protocols)
        } catch {
            return failHandshake(error)
        }
        lastSent = now
        var connected = Connected(
            codec: codec,
            version: request.version,
            reader: codec.makeReader(maxMessageSize: configuration.maxMessageSize),
            lastReceived: now,
            ping: (try? codec.encode(.ping)) ?? []
        )
        var actions: [Action] = [.sendHandshakeResponse(HandshakeResponse.successBytes)]
        if leftover.isEmpty {
            phase = .connected(connected)
        } else {
            connected.reader.append(leftover)
            actions.append(contentsOf: drain(&connected))
        }
        return actions
    }

    /// Delivers every complete message; stores the connection back unless it closed.
    private mutating func drain(_ connected: inout Connected) -> [Action] {
        var actions: [Action] = []
        while true {
            let message: HubMessage?
            do throws(HubProtocolError) {
                message = try connected.reader.next()
            } catch {
                actions.append(contentsOf: closeConnected(connected, error: error))
                return actions
            }
            switch message {
            case .none:
                phase = .connected(connected)
                return actions
            case .some(.ping):
                continue
            case .some(.close):
                phase = .closed
                actions.append(.close(finalMessage: nil, error: nil))
                return actions
            case .some(let message):
                actions.append(.deliver(message))
            }
        }
    }

    private mutating func closeConnected(_ connected: Connected, error: HubProtocolError) -> [Action] {
        phase = .closed
        let message = try? connected.codec.encode(.close(CloseMessage(error: error.message)))
        return [.close(finalMessage: message, error: error)]
    }

    private mutating func failHandshake(_ error: HubProtocolError) -> [Action] {
        phase = .closed
        return [.sendHandshakeResponse(HandshakeResponse(error: error.message).encoded()), .close(finalMessage: nil, error: error)]
    }

    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 {
            return seconds == 1 ? "1 second" : "\(seconds) seconds"
        }
        return "\(Double(seconds) + Double(attoseconds) / 1e18) seconds"
    }
}
