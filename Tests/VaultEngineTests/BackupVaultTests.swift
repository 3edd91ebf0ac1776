import Foundation
import Testing
@testable import VaultEngine

/// Whole-vault backup and all-or-nothing restore, and backups at the row level for any kind (a certificate with
/// its managed key and secret, written as rows until the certificate engine lands).
@Suite("Backup and restore: vaults and rows")
struct BackupVaultTests {
    let store: TestStore
    var engine: VaultEngine { store.engine }
    let admin = TestStore.seeder

    init() throws {
        store = try TestStore()
        try store.makeVault("vault1")
        try store.makeVault("vault2")
    }

    func names(_ kind: ObjectKind, _ vault: String) throws -> [String] {
        try engine.objects(kind).list(vault: vault, as: admin).map(\.name)
    }

    @Test func aWholeVaultRoundTrips() throws {
        for name in ["a", "b", "c"] {
            try store.seed(name, "\(name)-1")
            try store.seed(name, "\(name)-2")
        }
        try engine.keys.create(vault: "vault1", name: "k", KeyCreateOptions(.rsa(bits: 2048)), as: admin)
        try engine.keys.rotate(vault: "vault1", name: "k", as: admin)
        try store.seed("gone", "x")
        try engine.objects(.secret).delete(vault: "vault1", name: "gone", as: admin)

        var seen: [(Int, Int)] = []
        let entries = try engine.backups.backupVault(named: "vault1", as: admin) { seen.append(($0, $1)) }
        #expect(entries.map { "\($0.kind.rawValue)/\($0.name)/\($0.versions)" } == ["secret/a/2", "secret/b/2", "secret/c/2", "key/k/2"])
        #expect(seen.map(\.0) == [1, 2, 3, 4] && seen.allSatisfy { $0.1 == 4 })

        let restored = try engine.backups.restoreVault(named: "vault2", blobs: entries.map(\.blob), as: admin)
        #expect(restored.map(\.name) == ["a", "b", "c", "k"])
        #expect(try names(.secret, "vault2") == ["a", "b", "c"])
        #expect(try names(.key, "vault2") == ["k"])
        #expect(try store.read("b", in: "vault2") == "b-2")
        let log = try store.auditLog()
        #expect(log.contains { $0.operationName == "VaultBackup" && $0.resultType == "Success" && $0.vault == "vault1" })
        #expect(log.contains { $0.operationName == "VaultRestore" && $0.resultType == "Success" && $0.vault == "vault2" })
    }

    @Test func aConflictHalfwayLeavesTheTargetUnchanged() throws {
        for name in ["a", "b", "c"] { try store.seed(name, "new-\(name)") }
        try engine.keys.create(vault: "vault1", name: "k", KeyCreateOptions(.ec(.p256)), as: admin)
        let blobs = try engine.backups.backupVault(named: "vault1", as: admin).map(\.blob)

        try store.seed("b", "already-here", in: "vault2")
        let auditBefore = try store.auditCount()
        let error = vaultError { try engine.backups.restoreVault(named: "vault2", blobs: blobs, as: admin) }
        #expect(error?.code == .conflict)
        #expect(error?.message.contains("Blob 2 of 4") == true)
        #expect(try names(.secret, "vault2") == ["b"])
        #expect(try names(.key, "vault2").isEmpty)
        #expect(try store.read("b", in: "vault2") == "already-here")
        #expect(try engine.objects(.secret).versions(vault: "vault2", name: "b", as: admin).count == 1)
        #expect(try store.auditLog().dropFirst(auditBefore).contains { $0.operationName == "VaultRestore" && $0.resultType == "Failure" })

        // A corrupt blob at the end also rolls back everything before it.
        try engine.objects(.secret).delete(vault: "vault2", name: "b", as: admin)
        try engine.objects(.secret).purge(vault: "vault2", name: "b", as: admin)
        var damaged = blobs
        var last = damaged[3].bytes
        last[last.count - 5] ^= 0xff
        damaged[3] = BackupBlob(bytes: last)
        #expect(code { try engine.backups.restoreVault(named: "vault2", blobs: damaged, as: admin) } == .invalidArgument)
        #expect(try names(.secret, "vault2").isEmpty)

        try engine.backups.restoreVault(named: "vault2", blobs: blobs, as: admin)
        #expect(try names(.secret, "vault2") == ["a", "b", "c"])
    }

    @Test func theSameNameTwiceInOneRestoreIsAConflict() throws {
        try store.seed("a", "1")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "a", as: admin)
        #expect(code { try engine.backups.restoreVault(named: "vault2", blobs: [blob, blob], as: admin) } == .conflict)
        #expect(try names(.secret, "vault2").isEmpty)
    }

    // MARK: rows of any kind: a certificate with its managed key and secret

    /// Writes a certificate `name` the way the certificate engine will: a certificate row (public details, no
    /// sealed value) and a managed key and secret of the same name.
    func makeCertificateRows(_ name: String, in vault: String) throws -> (keyVersion: String, secretValue: String) {
        let key = try engine.keys.create(vault: vault, name: name, KeyCreateOptions(.ec(.p256)), as: admin)
        let secret = try store.seed(name, "-----BEGIN PRIVATE KEY-----fake pem-----END PRIVATE KEY-----", in: vault,
                                    attributes: NewVersionAttributes(contentType: "application/x-pem-file"))
        try engine.context.backend.write { tx in
            let v = try engine.context.liveVault(vault, in: tx)
            for kind in [ObjectKind.key, .secret] {
                var object = try #require(try tx.object(vaultID: v.id, kind: kind, nameKey: Names.key(name)))
                object.managed = true
                try tx.updateObject(object)
            }
            let now = store.clock.now()
            let version = secret.version
            let object = ObjectRecord(id: 0, vaultID: v.id, kind: .certificate, name: name, currentVersion: version,
                                      created: now, deletedDate: nil, scheduledPurgeDate: nil, managed: false)
            let id = try tx.insertObject(object)
            let sealed = try AESGCM.seal(Array("cer-bytes".utf8), key: try engine.context.dataKey(for: v),
                                         associatedData: EngineContext.valueAAD(vaultID: v.id, kind: .certificate, name: name, version: version))
            try tx.insertVersion(VersionRecord(objectID: id, version: version, created: now, updated: now, enabled: true,
                                               notBefore: nil, expires: nil, contentType: nil, tags: ["issuer": "Self"],
                                               sealedValue: sealed, valueLength: 9, details: #"{"x5t":"abc"}"#))
        }
        return (key.properties.version, "-----BEGIN PRIVATE KEY-----fake pem-----END PRIVATE KEY-----")
    }

    @Test func aCertificateTravelsWithItsManagedKeyAndSecret() throws {
        let made = try makeCertificateRows("web", in: "vault1")
        #expect(code { _ = try engine.backups.backup(.key, vault: "vault1", name: "web", as: admin) } == .forbidden)
        #expect(code { _ = try engine.backups.backup(.secret, vault: "vault1", name: "web", as: admin) } == .forbidden)

        let blob = try engine.backups.backup(.certificate, vault: "vault1", name: "web", as: admin)
        let restored = try engine.backups.restore(.certificate, vault: "vault2", blob: blob, as: admin)
        #expect(restored.name == "web" && restored.tags == ["issuer": "Self"] && !restored.managed)

        try engine.context.backend.read { tx in
            let v = try engine.context.liveVault("vault2", in: tx)
            let certificate = try #require(try tx.object(vaultID: v.id, kind: .certificate, nameKey: "web"))
            let version = try #require(try tx.versions(objectID: certificate.id).first)
            #expect(version.details == #"{"x5t":"abc"}"#)
            let plain = try AESGCM.open(try #require(version.sealedValue), key: try engine.context.dataKey(for: v),
                                        associatedData: EngineContext.valueAAD(vaultID: v.id, kind: .certificate, name: "web", version: version.version))
            #expect(plain?.bytes == Array("cer-bytes".utf8))
        }
        let key = try engine.keys.get(vault: "vault2", name: "web", as: admin)
        #expect(key.properties.managed && key.properties.version == made.keyVersion)
        let secret = try engine.secrets.get(vault: "vault2", name: "web", as: admin)
        #expect(secret.properties.managed && secret.properties.contentType == "application/x-pem-file")
        #expect(secret.value.bytes == Array(made.secretValue.utf8))

        // A taken linked name refuses the whole certificate. (Purging the certificate purges its key and secret
        // with it; a plain secret then takes the linked name.)
        try engine.objects(.certificate).delete(vault: "vault2", name: "web", as: admin)
        try engine.objects(.certificate).purge(vault: "vault2", name: "web", as: admin)
        try engine.secrets.set(vault: "vault2", name: "web", value: Array("taken".utf8), as: admin)
        #expect(code { try engine.backups.restore(.certificate, vault: "vault2", blob: blob, as: admin) } == .conflict)
        #expect(try engine.objects(.certificate).list(vault: "vault2", as: admin).isEmpty)
    }

    @Test func aVaultBackupCarriesManagedObjectsOnlyInTheirCertificate() throws {
        _ = try makeCertificateRows("web", in: "vault1")
        try store.seed("plain", "p")
        let entries = try engine.backups.backupVault(named: "vault1", as: admin)
        #expect(entries.map { "\($0.kind.rawValue)/\($0.name)" } == ["secret/plain", "certificate/web"])
        try engine.backups.restoreVault(named: "vault2", blobs: entries.map(\.blob), as: admin)
        #expect(try names(.secret, "vault2") == ["plain", "web"])
        #expect(try names(.key, "vault2") == ["web"])
        #expect(try names(.certificate, "vault2") == ["web"])
    }
}
