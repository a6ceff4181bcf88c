/// The `Encoder` handed to `encode(to:)`; writes into an ``EncodingNode``.
struct EncoderImplementation: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    let userInfoStorage: [CodingUserInfoKey: any Sendable]

    init(node: EncodingNode, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.node = node
        self.codingPath = codingPath
        self.userInfoStorage = userInfo
    }

    var userInfo: [CodingUserInfoKey: Any] { userInfoStorage }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(encoder: self)
    }

    func child(_ node: EncodingNode, key: any CodingKey) -> EncoderImplementation {
        EncoderImplementation(node: node, codingPath: codingPath + [key], userInfo: userInfoStorage)
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { intValue.map(String.init) ?? "super" }

    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { return nil }
    init() { self.intValue = nil }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: EncoderImplementation
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil(forKey key: Key) throws {
        encoder.node.child(forKey: key.stringValue).content = .value(.null)
    }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        let child = encoder.node.child(forKey: key.stringValue)
        try child.encode(value, encoder: encoder.child(child, key: key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = encoder.node.child(forKey: key.stringValue)
        return encoder.child(child, key: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = encoder.node.child(forKey: key.stringValue)
        return encoder.child(child, key: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        encoder.child(encoder.node.child(forKey: "super"), key: IndexKey())
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.child(encoder.node.child(forKey: key.stringValue), key: key)
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: EncoderImplementation
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.node.arrayCount }

    mutating func encodeNil() throws {
        encoder.node.appendChild().content = .value(.null)
    }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        let key = IndexKey(intValue: count)
        let child = encoder.node.appendChild()
        try child.encode(value, encoder: encoder.child(child, key: key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = IndexKey(intValue: count)
        return encoder.child(encoder.node.appendChild(), key: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = IndexKey(intValue: count)
        return encoder.child(encoder.node.appendChild(), key: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let key = IndexKey(intValue: count)
        return encoder.child(encoder.node.appendChild(), key: key)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: EncoderImplementation
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ value: HubValue) {
        encoder.node.content = .value(value)
    }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.double(value)) }
    mutating func encode(_ value: Float) throws { set(.double(Double("\(value)") ?? Double(value))) }
    mutating func encode(_ value: Int) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { set(.int(value)) }
    mutating func encode(_ value: UInt) throws { set(Self.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { set(Self.unsigned(value)) }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        try encoder.node.encode(value, encoder: encoder)
    }

    private static func unsigned(_ value: UInt64) -> HubValue {
        value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
    }
}
