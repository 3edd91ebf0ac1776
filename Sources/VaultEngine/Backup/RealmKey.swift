import Foundation

/// A realm: kvfs's "subscription". Stores of one realm share its id and its 256-bit realm key, and only they can
/// open each other's backup blobs. A store made without `--realm-file` is a realm of its own.
///
/// The realm key lives in `meta.realm_key`, sealed under the store's master key (AAD `kvfs/v1/realm-key/<realm>`).
/// Backup blobs are sealed under `HMAC-SHA-256(realm key, "kvfs/backup/v1")`, never under the realm key itself.
public struct RealmMembership: Sendable, CustomStringConvertible {
    /// The realm id: 32 lowercase hex characters.
    public let realm: String
    let key: SecureBytes

    init(realm: String, key: SecureBytes) {
        self.realm = realm
        self.key = key
    }

    /// A new realm with a random id and key.
    /// - Throws: `CryptoError` if the random generator fails.
    static func generate() throws -> RealmMembership {
        RealmMembership(realm: try SecureRandom.hexIdentifier(), key: try SecureRandom.secureBytes(AESGCM.keySize))
    }

    public var description: String { "RealmMembership(\(realm), key redacted)" }

    // MARK: the realm file

    /// What a realm file holds (JSON): `{"format":"kvfs-realm/1","realm":"<32 hex>","key":"<base64url, 32 bytes>"}`.
    private struct FileContent: Codable {
        var format: String
        var realm: String
        var key: String
    }

    static let fileFormat = "kvfs-realm/1"

    /// Reads a realm file written by `kvfs realm export`.
    /// - Throws: `VaultError.invalidArgument` for a file that is not a realm file, `.storeFailure` when it
    ///   cannot be read.
    public static func load(from path: String) throws -> RealmMembership {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VaultError(.storeFailure, "Cannot read the realm file '\(path)'.")
        }
        var raw = [UInt8](data)
        defer { wipe(&raw) }
        guard let content = try? JSONDecoder().decode(FileContent.self, from: Data(raw)), content.format == fileFormat,
              isRealmID(content.realm), let key = try? Base64URL.decodeSecure(content.key), key.count == AESGCM.keySize else {
            throw VaultError.invalid("'\(path)' is not a kvfs realm file (made by `kvfs realm export`).")
        }
        return RealmMembership(realm: content.realm, key: key)
    }

    /// Writes this realm to a new file, mode 0600, refusing to overwrite one. The file opens every backup of
    /// the realm for whoever also holds a blob: keep it like the master key.
    /// - Throws: `VaultError.storeFailure` when the file exists or cannot be written.
    public func write(to path: String) throws {
        let keyText = key.withUnsafeBytes { Base64URL.encode($0) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = [UInt8](try encoder.encode(FileContent(format: RealmMembership.fileFormat, realm: realm, key: keyText))) + [0x0a]
        defer { wipe(&bytes) }
        try PrivateFile.create(at: path, contents: bytes)
    }

    static func isRealmID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    // MARK: in the store

    /// The meta key that holds the sealed realm key.
    static let metaKey = "realm_key"

    static func sealAAD(realm: String) -> [UInt8] { Array("kvfs/v1/realm-key/\(realm)".utf8) }

    /// The realm key sealed under `masterKey`, base64 for `meta.realm_key`.
    /// - Throws: `CryptoError`.
    func sealed(under masterKey: SecureBytes) throws -> String {
        let box = try key.withUnsafeBytes { try AESGCM.seal($0, key: masterKey, associatedData: RealmMembership.sealAAD(realm: realm)) }
        return Data(box).base64EncodedString()
    }

    /// Opens `meta.realm_key`.
    /// - Throws: `VaultError.corrupted` when it fails its integrity check.
    static func unseal(_ text: String, realm: String, masterKey: SecureBytes) throws -> RealmMembership {
        guard let box = Data(base64Encoded: text),
              let key = try AESGCM.open([UInt8](box), key: masterKey, associatedData: sealAAD(realm: realm)),
              key.count == AESGCM.keySize else {
            throw VaultError(.corrupted, "The store's realm key failed its integrity check.")
        }
        return RealmMembership(realm: realm, key: key)
    }

    /// The key that seals backup blobs of this realm.
    /// - Throws: `CryptoError`.
    func backupKey() throws -> SecureBytes {
        try HMACSHA256.deriveKey(from: key, purpose: "backup/v1")
    }
}

/// Files that hold key material or backups: created new, mode 0600, written whole and synced.
public enum PrivateFile {
    /// Creates `path` (which must not exist) with mode 0600 and writes `contents`.
    /// - Throws: `VaultError.storeFailure` when the file exists or cannot be written.
    public static func create(at path: String, contents: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError(.storeFailure, "Cannot create '\(path)': \(String(cString: strerror(errno))).")
        }
        var complete = false
        defer {
            close(fd)
            if !complete { unlink(path) }
        }
        guard fchmod(fd, 0o600) == 0 else {
            throw VaultError(.storeFailure, "Cannot set mode 0600 on '\(path)': \(String(cString: strerror(errno))).")
        }
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes { write(fd, $0.baseAddress! + offset, contents.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw VaultError(.storeFailure, "Cannot write '\(path)': \(String(cString: strerror(errno))).")
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            throw VaultError(.storeFailure, "Cannot write '\(path)': \(String(cString: strerror(errno))).")
        }
        complete = true
    }
}
