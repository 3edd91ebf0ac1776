import Foundation

/// A command's result as a JSON tree: what every output format (`-o json|jsonc|table|tsv|yaml|none`) renders.
/// Shapes are built as trees (`Shapes`) or converted from an `Encodable` engine value (`init(encoding:)`).
indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys are rendered sorted, as az does.
    case object([String: JSONValue])

    /// An ISO 8601 date (`2027-01-31T12:00:00Z`), or null.
    static func date(_ date: Date?) -> JSONValue { date.map { .string(Dates.format($0)) } ?? .null }
    static func string(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
    static func int(_ value: Int) -> JSONValue { .int(Int64(value)) }
    static func tags(_ tags: [String: String]) -> JSONValue { .object(tags.mapValues { .string($0) }) }

    /// The JSON of an `Encodable` value (dates as ISO 8601 strings).
    init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Dates.format(date))
        }
        self = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(value))
    }

    /// `self` with `other`'s keys added (both objects; `other` wins).
    func merging(_ other: [String: JSONValue]) -> JSONValue {
        guard case .object(var fields) = self else { return self }
        fields.merge(other) { _, new in new }
        return .object(fields)
    }

    subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }
}

extension JSONValue: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int64.self) { self = .int(value); return }
        if let value = try? container.decode(Double.self) { self = .double(value); return }
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode([JSONValue].self) { self = .array(value); return }
        self = .object(try container.decode([String: JSONValue].self))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
