import Foundation
import Testing
@testable import VaultEngine

/// Backup and restore of one object, the realm that limits where a blob restores, and bad blobs.
@Suite("Backup and restore")
struct BackupTests {
    let store: TestStore
    var engine: VaultEngine { store.engine }
    let admin = TestStore.seeder

    init() throws {
        store = try TestStore()
        try store.makeVault("vault1")
        try store.makeVault("vault2")
    }

    /// A second store beside `store`'s, joining `realm` when given.
    func otherStore(_ name: String, joining realm: RealmMembership?) throws -> VaultEngine {
        let other = try VaultEngine.initialize(at: StoreLocation(directory: store.root.path + "/" + name), joining: realm, clock: store.clock)
        try other.vaults.create(named: "target", as: TestStore.owner)
        try other.access.createPrincipal(named: "seeder", kind: .user, unixID: admin.uid, as: TestStore.owner)
        try other.access.assign(principal: "seeder", role: .administrator, scope: Scope(vault: "target"), as: TestStore.owner)
        return other
    }

    func value(_ engine: VaultEngine, _ vault: String, _ name: String, _ version: String? = nil) throws -> String {
        try engine.secrets.get(vault: vault, name: name, version: version, as: admin).value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: round trips

    @Test func secretWithSeveralVersionsKeepsIdsAttributesAndValues() throws {
        store.clock.advance(by: 10)
        let first = try store.seed("db", "one", attributes: NewVersionAttributes(contentType: "text/plain", tags: ["env": "prod"]))
        store.clock.advance(by: 10)
        let second = try store.seed("db", "two", attributes: NewVersionAttributes(
            enabled: false, notBefore: TestStore.start, expires: TestStore.start.addingTimeInterval(86_400 * 30)))
        store.clock.advance(by: 10)
        let third = try store.seed("db", "three")

        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "db", as: admin)
        #expect(!contains(blob.bytes, Array("three".utf8)))
        let restored = try engine.backups.restore(.secret, vault: "vault2", blob: blob, as: admin)
        #expect(restored.version == third.version)

        let before = try engine.objects(.secret).versions(vault: "vault1", name: "db", as: admin)
        let after = try engine.objects(.secret).versions(vault: "vault2", name: "db", as: admin)
        #expect(after.map(\.version) == [first.version, second.version, third.version])
        for (a, b) in zip(before, after) {
            #expect(a.enabled == b.enabled && a.notBefore == b.notBefore && a.expires == b.expires)
            #expect(a.created == b.created && a.updated == b.updated)
            #expect(a.contentType == b.contentType && a.tags == b.tags && a.valueLength == b.valueLength)
        }
        #expect(try value(engine, "vault2", "db", first.version) == "one")
        #expect(try value(engine, "vault2", "db") == "three")
        #expect(code { _ = try engine.secrets.get(vault: "vault2", name: "db", version: second.version, as: admin) } == .forbidden)
    }

    @Test func keyWithSeveralVersionsStillSignsAndVerifies() throws {
        let v1 = try engine.keys.create(vault: "vault1", name: "signer", KeyCreateOptions(.ec(.p256), keyOps: [.sign, .verify]), as: admin)
        let v2 = try engine.keys.rotate(vault: "vault1", name: "signer", as: admin)
        let blob = try engine.backups.backup(.key, vault: "vault1", name: "signer", as: admin)
        let bundle = try engine.backups.restoreKey(vault: "vault2", blob: blob, as: admin)
        #expect(bundle.properties.version == v2.properties.version)
        #expect(bundle.kid == "https://vault2.kvfs.localhost/keys/signer/\(v2.properties.version)")
        #expect(bundle.publicKeyPEM == v2.publicKeyPEM)
        #expect(bundle.keyOps == [.sign, .verify])

        let digest = [UInt8](repeating: 7, count: 32)
        for version in [v1.properties.version, v2.properties.version] {
            let signature = try #require(try engine.keys.sign(vault: "vault2", name: "signer", version: version, algorithm: .es256,
                                                         digest: digest, as: admin).bytes)
            let verdict = try engine.keys.verify(vault: "vault1", name: "signer", version: version, algorithm: .es256, digest: digest,
                                            signature: signature, as: admin)
            #expect(verdict.isValid == true)
        }
        let old = try engine.keys.get(vault: "vault2", name: "signer", version: v1.properties.version, as: admin)
        #expect(old.publicKeyPEM == v1.publicKeyPEM)
    }

    @Test func restoringInTheSameVaultAfterPurgeBringsItBack() throws {
        try store.seed("api", "v")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "api", as: admin)
        try engine.objects(.secret).delete(vault: "vault1", name: "api", as: admin)
        try engine.objects(.secret).purge(vault: "vault1", name: "api", as: admin)
        try engine.backups.restore(.secret, vault: "vault1", blob: blob, as: admin)
        #expect(try value(engine, "vault1", "api") == "v")
    }

    @Test func blobTextIsAzureShaped() throws {
        try store.seed("s", "v")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "s", as: admin)
        let json = try JSONEncoder().encode(blob)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: String])
        #expect(object.keys.sorted() == ["value"])
        #expect(try JSONDecoder().decode(BackupBlob.self, from: json) == blob)
        #expect(try BackupBlob(value: blob.value) == blob)
        #expect(!blob.value.contains("=") && !blob.value.contains("+") && !blob.value.contains("/"))
    }

    // MARK: realms

    @Test func aBlobRestoresInTheSameRealmOnly() throws {
        try store.seed("shared", "across-stores")
        try store.seed("shared", "newest")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "shared", as: admin)

        let realmFile = store.root.path + "/realm.json"
        try engine.backups.exportRealm(as: TestStore.owner).write(to: realmFile)
        var info = stat()
        #expect(stat(realmFile, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(code { _ = try engine.backups.exportRealm(as: TestStore.user(7001)) } == .accessDenied)

        let storeB = try otherStore("store-b", joining: try RealmMembership.load(from: realmFile))
        #expect(storeB.realm == engine.realm)
        try storeB.backups.restore(.secret, vault: "target", blob: blob, as: admin)
        #expect(try value(storeB, "target", "shared") == "newest")
        #expect(try storeB.objects(.secret).versions(vault: "target", name: "shared", as: admin).count == 2)

        let storeC = try otherStore("store-c", joining: nil)
        #expect(storeC.realm != engine.realm)
        let refused = vaultError { try storeC.backups.restore(.secret, vault: "target", blob: blob, as: admin) }
        #expect(refused?.code == .invalidArgument)
        #expect(refused?.message.contains("realm") == true)
        #expect(try storeC.objects(.secret).list(vault: "target", as: admin).isEmpty)

        // A blob whose realm field is rewritten to C's realm still fails: it is sealed under A's realm key.
        var forged = blob.bytes
        forged.replaceSubrange(5..<21, with: try hex(storeC.realm))
        #expect(vaultError { try storeC.backups.restore(.secret, vault: "target", blob: BackupBlob(bytes: forged), as: admin) }?.azureCode
                == "Malformed backup blob")
        #expect(try storeC.objects(.secret).list(vault: "target", as: admin).isEmpty)
    }

    @Test func aStoreWithoutARealmKeyDerivesOneWithoutWriting() throws {
        let realm = engine.realm
        try engine.context.backend.write { tx in
            _ = try (tx as! SQLiteTransaction).db.execute("DELETE FROM meta WHERE key = 'realm_key'")
        }
        let reopened = try store.openAnotherEngine()
        #expect(reopened.realm == realm)
        // Opening never writes: the key is derived from the master key, the same on every open.
        #expect(try reopened.context.backend.read { tx in try tx.meta("realm_key") } == nil)
        let again = try store.openAnotherEngine()
        #expect(again.context.realmMembership.key.bytes == reopened.context.realmMembership.key.bytes)
        try store.seed("s", "v")
        let blob = try reopened.backups.backup(.secret, vault: "vault1", name: "s", as: admin)
        try again.backups.restore(.secret, vault: "vault2", blob: blob, as: admin)
    }

    // MARK: conflicts and limits

    @Test func restoreRefusesATakenNameLiveOrSoftDeleted() throws {
        try store.seed("taken", "original")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "taken", as: admin)
        #expect(code { try engine.backups.restore(.secret, vault: "vault1", blob: blob, as: admin) } == .conflict)

        try store.seed("TAKEN", "other", in: "vault2")
        try engine.objects(.secret).delete(vault: "vault2", name: "taken", as: admin)
        #expect(code { try engine.backups.restore(.secret, vault: "vault2", blob: blob, as: admin) } == .deletedButRecoverable)
        try engine.objects(.secret).recover(vault: "vault2", name: "taken", as: admin)
        #expect(try value(engine, "vault2", "taken") == "other")
        #expect(try engine.objects(.secret).versions(vault: "vault2", name: "taken", as: admin).count == 1)
    }

    @Test func aBlobOfAnotherKindIsRefused() throws {
        try engine.keys.create(vault: "vault1", name: "k", KeyCreateOptions(.ec(.p256)), as: admin)
        let blob = try engine.backups.backup(.key, vault: "vault1", name: "k", as: admin)
        #expect(code { try engine.backups.restore(.secret, vault: "vault2", blob: blob, as: admin) } == .invalidArgument)
        #expect(try engine.objects(.key).list(vault: "vault2", as: admin).isEmpty)
    }

    @Test func moreThanFiveHundredVersionsAreRefused() throws {
        for i in 0..<500 { try store.seed("busy", "v\(i)") }
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "busy", as: admin)
        try engine.backups.restore(.secret, vault: "vault2", blob: blob, as: admin)
        #expect(try engine.objects(.secret).versions(vault: "vault2", name: "busy", as: admin).count == 500)

        try store.seed("busy", "one too many")
        let error = vaultError { _ = try engine.backups.backup(.secret, vault: "vault1", name: "busy", as: admin) }
        #expect(error?.code == .forbidden)
        #expect(error?.message.contains("501 versions") == true)
    }

    @Test func missingObjectsAndVaults() throws {
        #expect(code { _ = try engine.backups.backup(.secret, vault: "vault1", name: "nope", as: admin) } == .notFound)
        try store.seed("s", "v")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "s", as: admin)
        try engine.objects(.secret).delete(vault: "vault1", name: "s", as: admin)
        #expect(code { _ = try engine.backups.backup(.secret, vault: "vault1", name: "s", as: admin) } == .notFound)
        // Anyone but the Owner learns nothing about a vault that is not there; the Owner is told (issue 14).
        #expect(code { try engine.backups.restore(.secret, vault: "missing", blob: blob, as: admin) } == .accessDenied)
        #expect(code { try engine.backups.restore(.secret, vault: "missing", blob: blob, as: TestStore.owner) } == .notFound)
    }

    // MARK: bad blobs change nothing

    static let damages: [String] = ["magic", "format", "blob id", "body", "tag", "truncated", "header only", "empty", "appended"]

    @Test(arguments: damages) func aDamagedBlobIsMalformedAndChangesNothing(_ damage: String) throws {
        try store.seed("victim", "one")
        try store.seed("victim", "two")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "victim", as: admin).bytes
        var bad = blob
        switch damage {
        case "magic": bad[0] ^= 0x01
        case "format": bad[4] = 2
        case "blob id": bad[30] ^= 0x80
        case "body": bad[blob.count / 2] ^= 0x01
        case "tag": bad[blob.count - 1] ^= 0x01
        case "truncated": bad.removeLast(20)
        case "header only": bad = Array(blob.prefix(BackupEnvelope.headerSize))
        case "empty": bad = []
        default: bad.append(0)
        }
        let auditBefore = try store.auditCount()
        let error = vaultError { try engine.backups.restore(.secret, vault: "vault2", blob: BackupBlob(bytes: bad), as: admin) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.azureCode == "Malformed backup blob")
        #expect(error?.message.hasPrefix("Backup blob contains invalid or corrupt version") == true)
        #expect(try engine.objects(.secret).list(vault: "vault2", as: admin).isEmpty)
        #expect(try engine.objects(.secret).listDeleted(vault: "vault2", as: admin).isEmpty)
        let failure = try #require(try store.auditLog().dropFirst(auditBefore).first { $0.operationName == "SecretRestore" })
        #expect(failure.resultType == "Failure")
    }

    @Test func textThatIsNotBase64URLIsMalformed() throws {
        #expect(vaultError { _ = try BackupBlob(value: "not base64!") }?.azureCode == "Malformed backup blob")
    }

    // MARK: audit

    @Test func backupAndRestoreAreAudited() throws {
        try store.seed("s", "v")
        let blob = try engine.backups.backup(.secret, vault: "vault1", name: "s", as: admin)
        try engine.backups.restore(.secret, vault: "vault2", blob: blob, as: admin)
        let log = try store.auditLog()
        let backup = try #require(log.last { $0.operationName == "SecretBackup" })
        #expect(backup.resultType == "Success" && backup.vault == "vault1" && backup.object == "s")
        #expect(backup.role == "Key Vault Administrator")
        let restore = try #require(log.last { $0.operationName == "SecretRestore" })
        #expect(restore.resultType == "Success" && restore.vault == "vault2" && restore.object == "s")
    }

    private func hex(_ text: String) throws -> [UInt8] {
        let digits = Array(text.utf8)
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
        return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }
}
