import ZeroMQ

enum ZeroMQVersion {
    static var string: String {
        let v = Context.version
        return "\(v.major).\(v.minor).\(v.patch)"
    }
}
