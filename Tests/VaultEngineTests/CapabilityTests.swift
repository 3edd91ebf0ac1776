import Foundation
import Testing
import VaultEngine

/// What a caller may do, as the engine answers it for front-ends: rights × object state, in one place.
@Suite("Capabilities")
struct CapabilityTests {
    typealias C = Capability

    static func store() throws -> TestStore {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("plain", "v")
        try store.seed("off", "v", attributes: NewVersionAttributes(enabled: false))
        return store
    }

    @Test("secrets: each role's capabilities on a live, a disabled and an older version", arguments: [
        (BuiltInRole.secretsUser, "plain", false, Set<C>([.read, .knowLength, .readMetadata])),
        (BuiltInRole.secretsUser, "off", false, Set<C>([.knowLength, .readMetadata])),
        (BuiltInRole.secretsOfficer, "plain", false, Set<C>([.read, .knowLength, .readMetadata, .write, .update, .delete])),
        (BuiltInRole.secretsOfficer, "plain", true, Set<C>([.read, .knowLength, .readMetadata, .update, .delete])),
        (BuiltInRole.reader, "plain", false, Set<C>([.readMetadata])),
        (BuiltInRole.cryptoOfficer, "plain", false, Set<C>()),
    ])
    func secrets(role: BuiltInRole, name: String, olderVersion: Bool, expected: Set<C>) throws {
        let store = try Self.store()
        let caller = TestStore.user(2100)
        try store.grant(role, toUser: 2100, at: "/vaults/vault1")
        let version = olderVersion
            ? try store.engine.objects(.secret).properties(vault: "vault1", name: name, as: TestStore.seeder).version : nil
        if expected.isEmpty {
            #expect(code { _ = try store.engine.access.inspect(.secret, vault: "vault1", name: name, version: version, as: caller) }
                    == .accessDenied)
            return
        }
        let inspection = try store.engine.access.inspect(.secret, vault: "vault1", name: name, version: version, as: caller)
        #expect(inspection.capabilities.granted == expected)
    }

    @Test("an object a certificate manages can be read but not written, updated or deleted")
    func managed() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.engine.certificates.create(vault: "vault1", name: "web", policy: .default, as: TestStore.seeder)
        let inspection = try store.engine.access.inspect(.secret, vault: "vault1", name: "web", as: TestStore.seeder)
        #expect(inspection.capabilities.contains(.read))
        #expect(!inspection.capabilities.contains(.write) && !inspection.capabilities.contains(.update)
                && !inspection.capabilities.contains(.delete))
    }

    @Test("collections: listing, new names, deleted objects and the .ops file, the same rule for every family")
    func collections() throws {
        let store = try Self.store()
        let officer = TestStore.user(2200), certs = TestStore.user(2201), reader = TestStore.user(2202), stranger = TestStore.user(2203)
        try store.grant(.secretsOfficer, toUser: 2200, at: "/vaults/vault1")
        try store.grant(.certificatesOfficer, toUser: 2201, at: "/vaults/vault1")
        try store.grant(.reader, toUser: 2202, at: "/vaults/vault1")
        #expect(try store.engine.access.inspectCollection(.secret, vault: "vault1", as: officer).capabilities.granted
                == [.readMetadata, .write, .recover, .purge, .control])
        // Certificates Officer may back up and restore: certificates/.ops serves it as keys/.ops and secrets/.ops do.
        #expect(try store.engine.access.inspectCollection(.certificate, vault: "vault1", as: certs).capabilities.contains(.control))
        #expect(try store.engine.access.inspectCollection(.secret, vault: "vault1", as: reader).capabilities.granted == [.readMetadata])
        #expect(try store.engine.access.inspectCollection(.secret, vault: "vault1", as: certs).capabilities.isEmpty)
        // A stranger learns nothing about what exists, and the refusal is audited.
        let before = try store.auditCount()
        #expect(code { _ = try store.engine.access.inspectCollection(.secret, vault: "vault1", as: stranger) } == .accessDenied)
        #expect(code { _ = try store.engine.access.inspectCollection(.secret, vault: "nosuch", as: stranger) } == .accessDenied)
        #expect(code { try store.engine.access.inspectVault("vault1", as: stranger) } == .accessDenied)
        #expect(try store.auditCount() == before + 3)
        #expect(code { _ = try store.engine.access.inspectCollection(.secret, vault: "nosuch", as: TestStore.owner) } == .notFound)
    }

    @Test("checks before a front-end starts: prepareWrite and checkDelete decide, audit refusals, and write nothing else")
    func prechecks() throws {
        let store = try Self.store()
        let user = TestStore.user(2300)
        try store.grant(.secretsUser, toUser: 2300, at: "/vaults/vault1")
        let before = try store.auditCount()
        let write = try store.engine.secrets.prepareWrite(vault: "vault1", name: "plain", as: TestStore.seeder)
        #expect(write.current?.name == "plain")
        #expect(try store.engine.secrets.prepareWrite(vault: "vault1", name: "new-name", as: TestStore.seeder).current == nil)
        try store.engine.objects(.secret).checkDelete(vault: "vault1", name: "plain", as: TestStore.seeder)
        #expect(try store.auditCount() == before, "allowances write no line")
        #expect(code { _ = try store.engine.secrets.prepareWrite(vault: "vault1", name: "plain", as: user) } == .accessDenied)
        #expect(code { try store.engine.objects(.secret).checkDelete(vault: "vault1", name: "plain", as: user) } == .accessDenied)
        let lines = try store.auditLog().suffix(2)
        #expect(lines.map(\.operationName) == ["SecretSet", "SecretDelete"])
        #expect(lines.allSatisfy { $0.resultType == "Failure" })
        try store.engine.objects(.secret).delete(vault: "vault1", name: "plain", as: TestStore.seeder)
        #expect(code { _ = try store.engine.secrets.prepareWrite(vault: "vault1", name: "plain", as: TestStore.seeder) }
                == .deletedButRecoverable)
    }
}
