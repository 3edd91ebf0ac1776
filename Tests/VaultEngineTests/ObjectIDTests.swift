import Foundation
import Testing
@testable import VaultEngine

/// Every id kvfs shows comes from one type, in Azure's URL form with the vault's name in one canonical case.
@Suite("Object ids")
struct ObjectIDTests {
    @Test("ids are https://<vault>.<dns-suffix>/<collection>/<name>/<version>, the vault in one case everywhere")
    func urlFormAndCanonicalCase() throws {
        let store = try TestStore()
        try store.makeVault("App1")
        let admin = TestStore.seeder
        let secret = try store.engine.secrets.set(vault: "APP1", name: "Db", value: [1], as: admin)
        #expect(secret.id.description == "https://app1.kvfs.localhost/secrets/Db/\(secret.version)")
        #expect(secret.id.unversioned.description == "https://app1.kvfs.localhost/secrets/Db")
        let key = try store.engine.keys.create(vault: "app1", name: "Signer", KeyCreateOptions(.ec(.p256)), as: admin)
        #expect(key.kid == "https://app1.kvfs.localhost/keys/Signer/\(key.properties.version)")
        #expect(key.kid == key.properties.id.description)
        let signed = try store.engine.keys.sign(vault: "App1", name: "signer", algorithm: .es256, digest: [UInt8](repeating: 7, count: 32), as: admin)
        #expect(signed.kid == key.kid)
        let deleted = try store.engine.objects(.secret).delete(vault: "App1", name: "db", as: admin)
        #expect(deleted.recoveryID == "https://app1.kvfs.localhost/deletedsecrets/Db")
        #expect(VaultObjectID(url: key.kid) == key.properties.id)
    }

    @Test("the DNS suffix is a store setting chosen at init; a bad one is refused and nothing is made")
    func dnsSuffixSetting() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-id-tests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let location = StoreLocation(directory: root.path + "/store")
        #expect(code { try VaultEngine.initialize(at: location, dnsSuffix: "bad_suffix..") } == .invalidArgument)
        #expect(!FileManager.default.fileExists(atPath: location.databasePath))
        let engine = try VaultEngine.initialize(at: location, dnsSuffix: "vault.example.test")
        try engine.vaults.create(named: "web1", as: TestStore.owner)
        try engine.access.createPrincipal(named: "root", kind: .user, unixID: 0, as: TestStore.owner)
        try engine.access.assign(principal: "root", role: .secretsOfficer, scope: Scope(vault: "web1"), as: TestStore.owner)
        let props = try engine.secrets.set(vault: "web1", name: "x", value: [1], as: TestStore.owner)
        #expect(props.id.description == "https://web1.vault.example.test/secrets/x/\(props.version)")
        #expect(try VaultEngine(opening: location).dnsSuffix == "vault.example.test")
    }

    @Test("only well-formed suffixes pass", arguments: [
        ("kvfs.localhost", true), ("vault.azure.net", true), ("localhost", true), ("a-b.c1", true),
        ("", false), (".x", false), ("x.", false), ("-a.b", false), ("a_b.c", false), ("a..b", false),
        (String(repeating: "a", count: 64) + ".x", false),
    ])
    func suffixRule(suffix: String, valid: Bool) {
        #expect(VaultObjectID.isValidDNSSuffix(suffix) == valid)
    }
}
