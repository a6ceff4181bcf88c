struct DecodingIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { intValue.map(String.init) ?? "" }

    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { return nil }
}

struct DecodingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: DecoderImplementation
    private let values: [String: HubValue]
    private let orderedKeys: [String]

    init(decoder: DecoderImplementation, entries: [HubValue.Entry]) {
        self.decoder = decoder
        var values: [String: HubValue] = [:]
        var orderedKeys: [String] = []
        values.reserveCapacity(entries.count)
        for entry in entries {
            let name: String
            switch entry.key {
            case .string(let text): name = text
            case .int(let number): name = String(number)
            case .uint(let number): name = String(number)
            default: continue
            }
            if values.updateValue(entry.value, forKey: name) == nil {
                orderedKeys.append(name)
            }
        }
        self.values = values
        self.orderedKeys = orderedKeys
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        orderedKeys.compactMap { name in Key(stringValue: name) ?? Int(name).flatMap { Key(intValue: $0) } }
    }

    func contains(_ key: Key) -> Bool {
        values[key.stringValue] != nil
    }

    private func value(for key: Key) throws -> HubValue {
        guard let value = values[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(codingPath: codingPath, debugDescription: "Missing key '\(key.stringValue)'")
            )
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try value(for: key).isNull
    }

    func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        try decoder.child(try value(for: key), key: key).decodeValue(type)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeGeneric(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeGeneric(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeGeneric(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodeGeneric(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeGeneric(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodeGeneric(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodeGeneric(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeGeneric(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeGeneric(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodeGeneric(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodeGeneric(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodeGeneric(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodeGeneric(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeGeneric(type, key) }

    private func decodeGeneric<Value: Decodable>(_ type: Value.Type, _ key: Key) throws -> Value {
        try Value(from: decoder.child(try value(for: key), key: key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(try value(for: key), key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(try value(for: key), key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder.child(values["super"] ?? .null, key: DecodingIndexKey(intValue: 0))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(values[key.stringValue] ?? .null, key: key)
    }
}

struct DecodingUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: DecoderImplementation
    let elements: [HubValue]
    private(set) var currentIndex = 0

    init(decoder: DecoderImplementation, elements: [HubValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next<Value>(_ type: Value.Type) throws -> (HubValue, DecodingIndexKey) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                DecodingError.Context(
                    codingPath: codingPath + [DecodingIndexKey(intValue: currentIndex)],
                    debugDescription: "Expected \(type) but the array has only \(elements.count) elements"
                )
            )
        }
        defer { currentIndex += 1 }
        return (elements[currentIndex], DecodingIndexKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        let (element, key) = try next(type)
        return try decoder.child(element, key: key).decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (element, key) = try next([String: HubValue].self)
        return try decoder.child(element, key: key).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (element, key) = try next([HubValue].self)
        return try decoder.child(element, key: key).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (element, key) = try next(HubValue.self)
        return decoder.child(element, key: key)
    }
}

struct DecodingSingleValueContainer: SingleValueDecodingContainer {
    let decoder: DecoderImplementation
    var codingPath: [any CodingKey] { decoder.codingPath }
    private var value: HubValue { decoder.value }

    func decodeNil() -> Bool { value.isNull }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw decoder.mismatch("Bool", path: codingPath) }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw decoder.mismatch("String", path: codingPath) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let number = value.doubleValue else { throw decoder.mismatch("Double", path: codingPath) }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float {
        guard let number = value.doubleValue, !number.isFinite || abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw decoder.mismatch("Float", path: codingPath)
        }
        return Float(number)
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try decoder.decodeValue(type)
    }

    private func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) throws -> Integer {
        let converted: Integer?
        switch value {
        case .int(let number): converted = Integer(exactly: number)
        case .uint(let number): converted = Integer(exactly: number)
        case .double(let number): converted = Integer(exactly: number)
        default: throw decoder.mismatch("\(Integer.self)", path: codingPath)
        }
        guard let converted else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: "The number \(value.numberText) does not fit \(Integer.self)")
            )
        }
        return converted
    }
}
