import HubProtocol

/// One method of a hub: its name, how many arguments it takes, and the code that runs it.
///
/// Register methods with ``Hub/on(_:_:)-(_,(HubContext,repeat each Argument)->Void)`` and its
/// overloads, which decode typed arguments; this type is the untyped form they produce.
public struct HubMethod: Sendable {
    /// The method's name, as clients invoke it (case-sensitive).
    public let name: String
    /// How many arguments the method takes; nil accepts any number.
    public let parameterCount: Int?
    /// Runs the method with the invocation's arguments; returns nil for a method without a result.
    public let body: @Sendable (HubContext, [HubValue]) async throws -> HubValue?

    /// Creates a method from an untyped body.
    public init(
        name: String,
        parameterCount: Int?,
        body: @escaping @Sendable (HubContext, [HubValue]) async throws -> HubValue?
    ) {
        self.name = name
        self.parameterCount = parameterCount
        self.body = body
    }
}

/// Decodes a method's arguments one after the other, with errors that name the argument.
struct ArgumentReader {
    let method: String
    let values: [HubValue]
    private(set) var index = 0

    init(method: String, values: [HubValue]) {
        self.method = method
        self.values = values
    }

    mutating func next<Value: Decodable>(_ type: Value.Type) throws(HubError) -> Value {
        defer { index += 1 }
        guard index < values.count else {
            throw HubError(code: .wrongArgumentCount, message: "Failed to invoke '\(method)': argument \(index + 1) is missing")
        }
        do throws(HubProtocolError) {
            return try HubValueDecoder().decode(Value.self, from: values[index])
        } catch {
            throw HubError(
                code: .invalidArgument,
                message: "Failed to invoke '\(method)': argument \(index + 1) cannot be converted to \(Value.self): \(error.message)"
            )
        }
    }
}

/// The number of types in a pack.
func packCount<each Element>(_ types: repeat (each Element).Type) -> Int {
    var count = 0
    for _ in repeat each types { count += 1 }
    return count
}
