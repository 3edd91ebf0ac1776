import Foundation
import Testing
@testable import VaultEngine

/// Whole-vault backups as directories: a manifest written last and a rename at the end on the way out; the
/// manifest checked before anything changes on the way in.
@Suite("Backup directories: all or nothing both ways")
struct BackupDirectoryTests {
    let store: TestStore
    var engine: VaultEngine { store.engine }
    let admin = TestStore.seeder
    var dir: String { store.root.path + "/backup" }

    init() throws {
        store = try TestStore()
        try store.makeVault("vault1")
        try store.makeVault("vault2")
        for name in ["a", "b", "c"] {
            try store.seed(name, "\(name)-1")
            try store.seed(name, "\(name)-2")
        }
        try engine.keys.create(vault: "vault1", name: "k", KeyCreateOptions(.ec(.p256)), as: admin)
    }

    func files(_ path: String) -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    @Test func writesBlobsAndASealedManifestThenRestores() throws {
        let manifest = try engine.backups.backupVault(named: "vault1", toDirectory: dir, as: admin)
        #expect(manifest.realm == engine.realm && manifest.vault == "vault1")
        #expect(manifest.counts == ["secrets": 3, "keys": 1, "certificates": 0])
        #expect(manifest.objects.map(\.file) == ["secrets/a.blob", "secrets/b.blob", "secrets/c.blob", "keys/k.blob"])
        #expect(files(dir) == ["certificates", "keys", "keys/k.blob", "manifest.json", "secrets", "secrets/a.blob", "secrets/b.blob", "secrets/c.blob"])
        #expect(mode(dir) == 0o700 && mode(dir + "/manifest.json") == 0o600 && mode(dir + "/secrets/a.blob") == 0o600)
        let blob = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/secrets/a.blob")))
        #expect(manifest.objects[0].sha256 == (try SHA256Digest.hash(blob)).hexString && manifest.objects[0].size == blob.count)
        #expect(manifest.objects[0].versions == 2)
        // Nothing but the final directory is left beside it.
        #expect(files(store.root.path).filter { $0.contains(".partial") }.isEmpty)

        let restored = try engine.backups.restoreVault(named: "vault2", fromDirectory: dir, as: admin)
        #expect(restored.map(\.name) == ["a", "b", "c", "k"])
        #expect(try store.read("b", in: "vault2") == "b-2")
    }

    @Test func aTakenDirectoryIsRefusedBeforeAnyWork() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/other", contents: Data("x".utf8))
        #expect(code { try engine.backups.backupVault(named: "vault1", toDirectory: dir, as: admin) } == .conflict)
        #expect(files(dir) == ["other"])
        // An empty directory is fine: the finished backup replaces it.
        try FileManager.default.removeItem(atPath: dir + "/other")
        try engine.backups.backupVault(named: "vault1", toDirectory: dir, as: admin)
        #expect(files(dir).contains("manifest.json"))
    }

    @Test func aDeniedBackupWritesNothing() throws {
        let stranger = TestStore.user(7001)
        #expect(code { try engine.backups.backupVault(named: "vault1", toDirectory: dir, as: stranger) } == .accessDenied)
        #expect(!FileManager.default.fileExists(atPath: dir))
        #expect(files(store.root.path).filter { $0.contains(".partial") }.isEmpty)
    }

    /// One way to damage a finished backup.
    struct Damage: Sendable, CustomTestStringConvertible {
        var what: String
        var expect: String
        var apply: @Sendable (String) throws -> Void
        var testDescription: String { what }
    }

    static let damages: [Damage] = [
        Damage(what: "a missing manifest (an interrupted backup)", expect: "no manifest.json") { try FileManager.default.removeItem(atPath: $0 + "/manifest.json") },
        Damage(what: "a missing blob (truncated)", expect: "'secrets/c.blob' is missing") { try FileManager.default.removeItem(atPath: $0 + "/secrets/c.blob") },
        Damage(what: "an empty blob (cut short)", expect: "was changed") { try Data().write(to: URL(fileURLWithPath: $0 + "/keys/k.blob")) },
        Damage(what: "a changed byte in a blob", expect: "was changed") { path in
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/secrets/b.blob")))
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path + "/secrets/b.blob"))
        },
        Damage(what: "an extra blob", expect: "does not list") { path in
            try FileManager.default.copyItem(atPath: path + "/secrets/a.blob", toPath: path + "/secrets/z.blob")
        },
        Damage(what: "an extra folder", expect: "which no backup writes") { path in
            try FileManager.default.createDirectory(atPath: path + "/extra", withIntermediateDirectories: false)
        },
        Damage(what: "a blob and its manifest entry removed together", expect: "was altered") { path in
            try FileManager.default.removeItem(atPath: path + "/secrets/c.blob")
            let manifest = try String(contentsOfFile: path + "/manifest.json", encoding: .utf8)
            let edited = manifest.replacingOccurrences(of: #"\{"file":"secrets/c.blob"[^}]*\},"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #""secrets":3"#, with: #""secrets":2"#)
            #expect(edited != manifest)
            try Data(edited.utf8).write(to: URL(fileURLWithPath: path + "/manifest.json"))
        },
        Damage(what: "a manifest with a digest changed to match an edited blob", expect: "was altered") { path in
            let manifest = try String(contentsOfFile: path + "/manifest.json", encoding: .utf8)
            try Data(manifest.replacingOccurrences(of: #""sha256":"[0-9a-f]"#, with: #""sha256":"0"#, options: .regularExpression).utf8)
                .write(to: URL(fileURLWithPath: path + "/manifest.json"))
        },
    ]

    @Test("A damaged backup directory is refused whole, changing nothing", arguments: damages)
    func damagedIsRefused(damage: Damage) throws {
        try engine.backups.backupVault(named: "vault1", toDirectory: dir, as: admin)
        try damage.apply(dir)
        let before = try store.auditCount()
        let error = try #require(vaultError { try engine.backups.restoreVault(named: "vault2", fromDirectory: dir, as: admin) })
        #expect(error.reason == .malformedBackup)
        #expect(error.message.contains(damage.expect), "\(error.message)")
        #expect(error.message.contains("Nothing was restored"))
        #expect(try engine.objects(.secret).list(vault: "vault2", as: admin).isEmpty)
        #expect(try engine.objects(.key).list(vault: "vault2", as: admin).isEmpty)
        // The refusal is audited as the restore's failure.
        let lines = try store.auditLog()
        #expect(lines.count == before + 3)
        #expect(lines.contains { $0.operationName == "VaultRestore" && $0.resultType == "Failure" })
    }

    @Test func aBackupOfAnotherRealmIsRefusedAtTheManifest() throws {
        try engine.backups.backupVault(named: "vault1", toDirectory: dir, as: admin)
        let other = try TestStore()
        try other.makeVault("vault1")
        let error = try #require(vaultError { try other.engine.backups.restoreVault(named: "vault1", fromDirectory: dir, as: other.seeder) })
        #expect(error.reason == .malformedBackup && error.message.contains("another realm"))
    }
}

extension TestStore {
    var seeder: Caller { TestStore.seeder }
}
