import Foundation

/// An opaque backup of one object with all its versions — Azure's BackupKeyResult / BackupSecretResult:
/// `{"value":"<base64url>"}`. Only a store of the realm that made it can open it (docs/backup.md).
public struct BackupBlob: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The blob's bytes.
    public let bytes: [UInt8]

    /// Wraps blob bytes (as read from a backup file).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses Azure's base64url text form.
    /// - Throws: `VaultError` (`Malformed backup blob`) when the text is not base64url.
    public init(value: String) throws {
        guard let bytes = try? Base64URL.decode(value.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BackupEnvelope.malformed
        }
        self.bytes = bytes
    }

    /// The base64url text Azure puts in `value`.
    public var value: String { Base64URL.encode(bytes) }

    public var description: String { "BackupBlob(\(bytes.count) bytes)" }

    private enum CodingKeys: String, CodingKey { case value }

    /// Decodes `{"value":"<base64url>"}`.
    /// - Throws: `DecodingError` when `value` is missing or not base64url.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .value)
        guard let bytes = try? Base64URL.decode(text) else {
            throw DecodingError.dataCorruptedError(forKey: .value, in: c, debugDescription: "value is not base64url")
        }
        self.bytes = bytes
    }

    /// Encodes `{"value":"<base64url>"}`.
    /// - Throws: `EncodingError`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
    }
}

/// The blob's binary layout, format 1:
///
/// ```
/// "KVBK" (4) ‖ format = 1 (1) ‖ realm id (16) ‖ blob id (16)      the header, 37 bytes
/// ‖ AES-256-GCM box of the manifest (JSON)                         AAD = the header
/// ```
/// The box's key is the realm's backup key. Each version's value inside the manifest is itself sealed under the
/// same key with AAD `kvfs/v1/backup-value/<blob id>/<kind>/<lower-cased name>/<version>`, so values are never
/// plaintext in the manifest and cannot be moved between versions, objects or blobs.
enum BackupEnvelope {
    static let magic: [UInt8] = Array("KVBK".utf8)
    static let format: UInt8 = 1
    static let headerSize = 4 + 1 + 16 + 16

    /// Azure's answer to a blob that does not parse or fails its integrity check.
    static var malformed: VaultError {
        VaultError(.malformedBackup, "Backup blob contains invalid or corrupt version.")
    }

    struct Header {
        var realm: String
        var blobID: String
        var bytes: [UInt8]
    }

    static func header(realm: String, blobID: [UInt8]) -> [UInt8] {
        magic + [format] + hexBytes(realm) + blobID
    }

    /// Seals a manifest into a blob for `realm`.
    /// - Throws: `CryptoError`, `EncodingError`.
    static func seal(_ manifest: BackupManifest, header: [UInt8], key: SecureBytes) throws -> BackupBlob {
        var json = [UInt8](try JSONEncoder().encode(manifest))
        defer { wipe(&json) }
        return BackupBlob(bytes: header + (try AESGCM.seal(json, key: key, associatedData: header)))
    }

    /// Reads the header without opening anything.
    /// - Throws: the malformed-blob error for anything but a format-1 kvfs blob.
    static func readHeader(_ blob: BackupBlob) throws -> Header {
        let bytes = blob.bytes
        guard bytes.count > headerSize + AESGCM.overhead, Array(bytes[0..<4]) == magic else { throw malformed }
        guard bytes[4] == format else {
            throw VaultError(.malformedBackup,
                             "Backup blob contains invalid or corrupt version: blob format \(bytes[4]) is not one this kvfs reads (format \(format)).")
        }
        return Header(realm: bytes[5..<21].hexString, blobID: bytes[21..<37].hexString, bytes: Array(bytes[0..<headerSize]))
    }

    /// Opens a blob's manifest with `key`.
    /// - Throws: the malformed-blob error when the box fails its integrity check or the manifest does not parse.
    static func open(_ blob: BackupBlob, header: Header, key: SecureBytes) throws -> BackupManifest {
        guard let plain = try AESGCM.open(Array(blob.bytes[headerSize...]), key: key, associatedData: header.bytes) else {
            throw malformed
        }
        return try plain.withUnsafeBytes { raw in
            guard let manifest = try? JSONDecoder().decode(BackupManifest.self, from: Data(raw)) else { throw malformed }
            return manifest
        }
    }

    static func valueAAD(blobID: String, kind: ObjectKind, name: String, version: String) -> [UInt8] {
        Array("kvfs/v1/backup-value/\(blobID)/\(kind.rawValue)/\(Names.key(name))/\(version)".utf8)
    }

    private static func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }
}

/// What a blob holds: the backed-up object first, then the objects that travel with it (a certificate's managed
/// key and secret). Every row field of `ObjectRecord` and `VersionRecord` is kept, so any kind comes back as it was.
struct BackupManifest: Codable {
    var format: Int
    /// When the backup was made (Unix seconds).
    var made: Double
    var objects: [Object]

    struct Object: Codable {
        var kind: ObjectKind
        var name: String
        var created: Double
        var currentVersion: String
        var managed: Bool
        var versions: [Version]
    }

    struct Version: Codable {
        var version: String
        var created: Double
        var updated: Double
        var enabled: Bool
        var notBefore: Double?
        var expires: Double?
        var contentType: String?
        var tags: [String: String]
        var valueLength: Int
        var details: String?
        /// The value sealed under the backup key (base64url), absent when the row has none.
        var sealed: String?

        /// Every date within what kvfs holds (`AttributeRules.dateRange`).
        var hasRepresentableDates: Bool {
            [created, updated, notBefore, expires].allSatisfy { $0.map { $0.isFinite && AttributeRules.dateRange.contains($0) } ?? true }
        }
    }
}
