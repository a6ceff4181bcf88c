import CZeroMQ

/// The ZeroMQ socket types the mesh uses.
public enum SocketType: Sendable, CaseIterable {
    case pair, pub, sub, xpub, xsub, router, dealer, push, pull

    var rawValue: Int32 {
        switch self {
        case .pair: return ZMQ_PAIR
        case .pub: return ZMQ_PUB
        case .sub: return ZMQ_SUB
        case .xpub: return ZMQ_XPUB
        case .xsub: return ZMQ_XSUB
        case .router: return ZMQ_ROUTER
        case .dealer: return ZMQ_DEALER
        case .push: return ZMQ_PUSH
        case .pull: return ZMQ_PULL
        }
    }
}
