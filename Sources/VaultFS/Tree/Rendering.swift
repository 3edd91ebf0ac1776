import Foundation
import VaultEngine

/// How the tree writes what it shows: generated files and control responses as JSON, metadata as
/// `user.kv.*` strings, dates in ISO 8601.
enum Rendering {
    /// Compact JSON with sorted keys and a final newline, as every generated file and response is written.
    /// The encoder's output is wiped once copied: a response may carry a decrypted value.
    static func json<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        defer { data.wipe() }
        var bytes = [UInt8]()
        bytes.reserveCapacity(data.count + 1)
        bytes.append(contentsOf: data)
        bytes.append(0x0a)
        return bytes
    }

    /// The `user.kv.*` values every object version shows.
    static func values(_ p: VersionProperties, id: String) -> [String: String] {
        var values: [String: String] = [
            "id": id,
            "version": p.version,
            "enabled": p.enabled ? "true" : "false",
            "created": format(p.created),
            "updated": format(p.updated),
            "recovery_level": p.recoveryLevel,
            "recoverable_days": String(p.recoverableDays),
        ]
        if let contentType = p.contentType { values["content_type"] = contentType }
        if let nbf = p.notBefore { values["nbf"] = format(nbf) }
        if let exp = p.expires { values["exp"] = format(exp) }
        if !p.tags.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            values["tags"] = (try? encoder.encode(p.tags)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        if p.managed { values["managed"] = "true" }
        return values
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func pemBlock(_ label: String, base64: String) -> String {
        var lines: [Substring] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(rest.prefix(64))
            rest = rest.dropFirst(64)
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }
}
