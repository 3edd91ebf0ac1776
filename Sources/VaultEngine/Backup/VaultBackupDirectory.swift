import Foundation

/// What a whole-vault backup directory holds besides its blobs: `manifest.json`, the list of every blob with
/// its size and SHA-256, the counts per family, the vault and the realm, sealed with an HMAC under a key of the
/// realm (docs/backup.md). A restore checks it before it touches the store, so an interrupted, truncated or
/// altered backup is refused whole.
public struct VaultBackupManifest: Codable, Sendable, Equatable {
    public static let formatName = "kvfs-vault-backup/1"
    static let fileName = "manifest.json"

    /// One blob of the backup.
    public struct Entry: Codable, Sendable, Equatable {
        /// `secret`, `key` or `certificate`.
        public var kind: ObjectKind
        public var name: String
        /// Relative to the backup directory: `<collection>/<name>.blob`.
        public var file: String
        public var versions: Int
        /// Bytes in the file.
        public var size: Int
        /// Hex SHA-256 of the file.
        public var sha256: String
    }

    public var format: String
    /// The realm of the store that made it (restores only into that realm).
    public var realm: String
    /// The vault it was made of.
    public var vault: String
    /// When it was made: UTC, ISO 8601.
    public var created: String
    /// Objects per collection (`secrets`, `keys`, `certificates`).
    public var counts: [String: Int]
    /// Every blob, in the order they restore.
    public var objects: [Entry]
}

/// Writing and reading whole-vault backup directories, all or nothing both ways.
enum VaultBackupDirectory {
    static let blobExtension = "blob"

    /// The key that seals manifests of a realm: HMAC-SHA-256(realm key, "kvfs/backup-manifest/v1").
    static func manifestKey(_ realm: RealmMembership) throws -> SecureBytes {
        try HMACSHA256.deriveKey(from: realm.key, purpose: "backup-manifest/v1")
    }

    private static func failure(_ message: String, _ path: String) -> VaultError {
        VaultError(.storeFailure, "\(message) '\(path)': \(String(cString: strerror(errno))).")
    }

    /// Refuses a target that exists and is not an empty directory (before any work is done).
    /// - Throws: `VaultError.conflict`.
    static func requireFree(_ directory: String) throws {
        var info = stat()
        guard lstat(directory, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR, let contents = try? FileManager.default.contentsOfDirectory(atPath: directory),
              contents.isEmpty else {
            throw VaultError(.conflict, "'\(directory)' exists and is not an empty directory; give a new one.")
        }
    }

    /// Writes `entries` as a backup of `vault` under a temporary name next to `directory` (`.<name>.partial-<hex>`),
    /// each file synced, the manifest last, and renames it to `directory` only when everything is written. A
    /// failure removes the temporary directory; a process killed midway leaves it, never `directory`.
    /// - Throws: `VaultError.conflict` when `directory` is taken, `.storeFailure` for file-system errors.
    static func write(_ entries: [VaultBackupEntry], vault: String, realm: RealmMembership, created: Date,
                      to directory: String) throws -> VaultBackupManifest {
        try requireFree(directory)
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = target.deletingLastPathComponent().path
        let temporary = parent + "/." + target.lastPathComponent + ".partial-" + (try SecureRandom.hexIdentifier().prefix(12))
        guard mkdir(temporary, 0o700) == 0 else { throw failure("Cannot create the backup directory", temporary) }
        var complete = false
        defer { if !complete { try? FileManager.default.removeItem(atPath: temporary) } }
        for kind in ObjectKind.allCases {
            guard mkdir(temporary + "/" + kind.collection, 0o700) == 0 else { throw failure("Cannot create", temporary + "/" + kind.collection) }
        }
        var objects: [VaultBackupManifest.Entry] = []
        var counts = Dictionary(uniqueKeysWithValues: ObjectKind.allCases.map { ($0.collection, 0) })
        for entry in entries {
            let file = "\(entry.kind.collection)/\(entry.name).\(blobExtension)"
            try PrivateFile.create(at: temporary + "/" + file, contents: entry.blob.bytes)
            objects.append(.init(kind: entry.kind, name: entry.name, file: file, versions: entry.versions,
                                 size: entry.blob.bytes.count, sha256: try SHA256Digest.hash(entry.blob.bytes).hexString))
            counts[entry.kind.collection, default: 0] += 1
        }
        let manifest = VaultBackupManifest(format: VaultBackupManifest.formatName, realm: realm.realm, vault: vault,
                                           created: AuditChain.timestamp(created), counts: counts, objects: objects)
        try PrivateFile.create(at: temporary + "/" + VaultBackupManifest.fileName, contents: try seal(manifest, key: try manifestKey(realm)))
        for folder in ObjectKind.allCases.map({ temporary + "/" + $0.collection }) + [temporary] { try syncDirectory(folder) }
        guard rename(temporary, target.path) == 0 else {
            if errno == ENOTEMPTY || errno == EEXIST {
                throw VaultError(.conflict, "'\(directory)' was filled by someone else while the backup was written; nothing was left there.")
            }
            throw failure("Cannot move the finished backup to", directory)
        }
        complete = true
        try? syncDirectory(parent)
        return manifest
    }

    private static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("Cannot open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("Cannot sync", path) }
    }

    /// The manifest file: its JSON (keys sorted) with a final `"mac"` field, an HMAC of the bytes before it.
    static func seal(_ manifest: VaultBackupManifest, key: SecureBytes) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(manifest)
        let mac = try HMACSHA256.mac(key: key, message: [UInt8](body)).hexString
        return Array((String(decoding: body.dropLast(), as: UTF8.self) + ",\"mac\":\"\(mac)\"}\n").utf8)
    }

    static func refusal(_ directory: String, _ what: String) -> VaultError {
        VaultError(.malformedBackup, "'\(directory)' is not a complete, unaltered `kvfs vault backup`: \(what). Nothing was restored.")
    }

    /// Checks a backup directory against its manifest and reads its blobs, in the manifest's order: the
    /// manifest must be there, sealed under this realm's key, and list exactly the blob files present, each with
    /// its size and SHA-256.
    /// - Throws: `VaultError.malformedBackup` for a missing or altered manifest, a missing, extra or changed
    ///   file; `.notFound` when `directory` does not exist.
    static func read(_ directory: String, realm: RealmMembership) throws -> (VaultBackupManifest, [BackupBlob]) {
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw VaultError(.notFound, "'\(directory)' is not a directory written by `kvfs vault backup`.")
        }
        guard let data = FileManager.default.contents(atPath: directory + "/" + VaultBackupManifest.fileName) else {
            throw refusal(directory, "it has no \(VaultBackupManifest.fileName) (a backup interrupted before it finished has none)")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        guard let (body, mac) = AuditChain.split(text),
              constantTimeEquals(Array(try HMACSHA256.mac(key: try manifestKey(realm), message: Array(body.utf8)).hexString.utf8), Array(mac.utf8)) else {
            throw refusal(directory, "its \(VaultBackupManifest.fileName) was altered, or the backup comes from another realm (its MAC does not match)")
        }
        guard let manifest = try? JSONDecoder().decode(VaultBackupManifest.self, from: Data(body.utf8)),
              manifest.format == VaultBackupManifest.formatName, manifest.realm == realm.realm else {
            throw refusal(directory, "its \(VaultBackupManifest.fileName) is not a \(VaultBackupManifest.formatName) manifest of this realm")
        }
        let listed = Set(manifest.objects.map(\.file))
        var counted = Dictionary(uniqueKeysWithValues: ObjectKind.allCases.map { ($0.collection, 0) })
        for entry in manifest.objects { counted[entry.kind.collection, default: 0] += 1 }
        guard listed.count == manifest.objects.count, manifest.counts == counted else {
            throw refusal(directory, "its manifest's counts do not match its list of objects")
        }
        // Every file present must be listed, and nothing else may be there.
        let fm = FileManager.default
        for top in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where top != VaultBackupManifest.fileName {
            guard ObjectKind.allCases.contains(where: { $0.collection == top }) else {
                throw refusal(directory, "it holds '\(top)', which no backup writes")
            }
            for name in (try? fm.contentsOfDirectory(atPath: directory + "/" + top)) ?? [] where !listed.contains(top + "/" + name) {
                throw refusal(directory, "it holds '\(top)/\(name)', which its manifest does not list (a file was added)")
            }
        }
        var blobs: [BackupBlob] = []
        for entry in manifest.objects {
            guard entry.file == "\(entry.kind.collection)/\(entry.name).\(blobExtension)", (try? Names.validateObject(entry.name, kind: entry.kind)) != nil else {
                throw refusal(directory, "its manifest names the file '\(entry.file)', which no backup writes")
            }
            guard let bytes = fm.contents(atPath: directory + "/" + entry.file).map([UInt8].init) else {
                throw refusal(directory, "'\(entry.file)' is missing (\(manifest.objects.count) objects listed)")
            }
            guard bytes.count == entry.size, try SHA256Digest.hash(bytes).hexString == entry.sha256 else {
                throw refusal(directory, "'\(entry.file)' was changed (its size or SHA-256 differs from the manifest's)")
            }
            blobs.append(BackupBlob(bytes: bytes))
        }
        return (manifest, blobs)
    }
}
