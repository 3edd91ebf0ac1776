import Foundation
import Testing
import VaultEngine

/// Every data-plane secret operation, for every kind of caller, through the engine, with exact codes.
@Suite("Engine access matrix")
struct EngineAccessMatrixTests {
    enum Who: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case noRole, owner, reader, secretsUser, secretsOfficer, administrator, objectScopeOfficer, groupSecretsUser
        case certificatesOfficer, cryptoOfficer
        var testDescription: String { rawValue }
    }

    enum Op: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case setNew, setNewVersion, get, properties, list, listVersions, update, delete, listDeleted, getDeleted, recover, purge
        var testDescription: String { rawValue }
    }

    static let denied: VaultError.Code? = .accessDenied
    static let ok: VaultError.Code? = nil

    /// Who × operation → the expected error code (`nil` = allowed and done).
    static func expected(_ who: Who, _ op: Op) -> VaultError.Code? {
        switch who {
        case .noRole, .owner, .certificatesOfficer, .cryptoOfficer:
            return denied
        case .reader:
            return [.properties, .list, .listVersions, .listDeleted, .getDeleted].contains(op) ? ok : denied
        case .secretsUser, .groupSecretsUser:
            return [.get, .properties, .list, .listVersions, .listDeleted, .getDeleted].contains(op) ? ok : denied
        case .secretsOfficer, .administrator:
            return ok
        case .objectScopeOfficer:
            // Assigned on /secrets/existing and /secrets/gone: everything by name, nothing on the collection,
            // no new name.
            return [.setNew, .list, .listDeleted].contains(op) ? denied : ok
        }
    }

    /// A store with vault v1: `existing` (versions "one", "two") and the soft-deleted `gone`.
    static func fixture(for who: Who) throws -> (TestStore, Caller) {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("existing", "one")
        try store.seed("existing", "two")
        try store.seed("gone", "bye")
        try store.engine.objects(.secret).delete(vault: "vault1", name: "gone", as: TestStore.seeder)
        // Roles in another vault must never leak into v1.
        try store.makeVault("other")
        try store.grant(.administrator, toUser: 1001, at: "/vaults/other")
        let caller: Caller
        switch who {
        case .noRole: caller = TestStore.user(1001)
        case .owner: caller = TestStore.owner
        case .reader: caller = TestStore.user(1001); try store.grant(.reader, toUser: 1001, at: "/vaults/vault1")
        case .secretsUser: caller = TestStore.user(1001); try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault1")
        case .secretsOfficer: caller = TestStore.user(1001); try store.grant(.secretsOfficer, toUser: 1001, at: "/vaults/vault1")
        case .administrator: caller = TestStore.user(1001); try store.grant(.administrator, toUser: 1001, at: "/vaults/vault1")
        case .certificatesOfficer: caller = TestStore.user(1001); try store.grant(.certificatesOfficer, toUser: 1001, at: "/vaults/vault1")
        case .cryptoOfficer: caller = TestStore.user(1001); try store.grant(.cryptoOfficer, toUser: 1001, at: "/vaults/vault1")
        case .objectScopeOfficer:
            caller = TestStore.user(1001)
            try store.grant(.secretsOfficer, toUser: 1001, at: "/vaults/vault1/secrets/existing")
            try store.grant(.secretsOfficer, toUser: 1001, at: "/vaults/vault1/secrets/gone")
        case .groupSecretsUser:
            caller = Caller(uid: 1001, gid: 100, groups: [4000], pid: 777)
            try store.grant(.secretsUser, toGroup: 4000, at: "/vaults/vault1")
        }
        return (store, caller)
    }

    static func perform(_ op: Op, on e: VaultEngine, as caller: Caller) throws {
        switch op {
        case .setNew:
            let p = try e.secrets.set(vault: "vault1", name: "brand-new", value: Array("fresh".utf8), as: caller)
            #expect(p.name == "brand-new")
        case .setNewVersion:
            let p = try e.secrets.set(vault: "vault1", name: "existing", value: Array("three".utf8), as: caller)
            #expect(p.valueLength == 5)
        case .get:
            let s = try e.secrets.get(vault: "vault1", name: "existing", as: caller)
            #expect(s.value.bytes == Array("two".utf8))
        case .properties:
            let p = try e.objects(.secret).properties(vault: "vault1", name: "existing", as: caller)
            #expect(p.valueLength == 3)
        case .list:
            #expect(try e.objects(.secret).list(vault: "vault1", as: caller).map(\.name) == ["existing"])
        case .listVersions:
            #expect(try e.objects(.secret).versions(vault: "vault1", name: "existing", as: caller).count == 2)
        case .update:
            let p = try e.objects(.secret).update(vault: "vault1", name: "existing", AttributeUpdate(contentType: "text/plain"), as: caller)
            #expect(p.contentType == "text/plain")
        case .delete:
            let d = try e.objects(.secret).delete(vault: "vault1", name: "existing", as: caller)
            #expect(d.properties.name == "existing")
        case .listDeleted:
            #expect(try e.objects(.secret).listDeleted(vault: "vault1", as: caller).map(\.properties.name) == ["gone"])
        case .getDeleted:
            #expect(try e.objects(.secret).deleted(vault: "vault1", name: "gone", as: caller).properties.name == "gone")
        case .recover:
            #expect(try e.objects(.secret).recover(vault: "vault1", name: "gone", as: caller).name == "gone")
        case .purge:
            try e.objects(.secret).purge(vault: "vault1", name: "gone", as: caller)
        }
    }

    /// What the seeder sees afterwards: names live, names deleted, versions of `existing`, its content type.
    static func state(_ store: TestStore) throws -> [String] {
        let e = store.engine
        let live = try e.objects(.secret).list(vault: "vault1", as: TestStore.seeder).map(\.name)
        let deleted = try e.objects(.secret).listDeleted(vault: "vault1", as: TestStore.seeder).map(\.properties.name)
        var result = ["live=\(live)", "deleted=\(deleted)"]
        if live.contains("existing") {
            let versions = try e.objects(.secret).versions(vault: "vault1", name: "existing", as: TestStore.seeder)
            result.append("versions=\(versions.count)")
            result.append("contentType=\(versions.last?.contentType ?? "-")")
        }
        return result
    }

    @Test("who × operation", arguments: Who.allCases, Op.allCases)
    func matrix(who: Who, op: Op) throws {
        let (store, caller) = try Self.fixture(for: who)
        let before = try Self.state(store)
        let auditBefore = try store.auditCount()
        let result = code { try Self.perform(op, on: store.engine, as: caller) }
        #expect(result == Self.expected(who, op), "\(who) \(op)")
        // Exactly one audit line per request, allowed or denied.
        let log = try store.auditLog()
        if result == .accessDenied {
            #expect(try Self.state(store) == before, "a denied request changed the store")
        }
        #expect(log.count == auditBefore + 1)
        let line = try #require(log.last)
        #expect(line.caller.uid == caller.uid)
        #expect(line.resultType == (result == nil ? "Success" : "Failure"))
        #expect(try store.engine.audit.verify(as: TestStore.owner).isIntact)
    }

    @Test("Effects of allowed operations are visible to others")
    func effects() throws {
        let (store, caller) = try Self.fixture(for: .secretsOfficer)
        try Self.perform(.setNew, on: store.engine, as: caller)
        try Self.perform(.setNewVersion, on: store.engine, as: caller)
        #expect(try store.read("existing") == "three")
        #expect(try store.read("brand-new") == "fresh")
        try Self.perform(.recover, on: store.engine, as: caller)
        #expect(try store.read("gone") == "bye")
        try Self.perform(.delete, on: store.engine, as: caller)
        #expect(code { _ = try store.read("existing") } == .notFound)
        try store.engine.objects(.secret).purge(vault: "vault1", name: "existing", as: caller)
        #expect(try store.engine.objects(.secret).listDeleted(vault: "vault1", as: caller).isEmpty)
    }

    @Test("No existence oracle: without rights, a missing object and vault look like a present one")
    func noExistenceOracle() throws {
        let (store, caller) = try Self.fixture(for: .noRole)
        let e = store.engine
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "missing", as: caller) } == .accessDenied)
        #expect(code { _ = try e.secrets.get(vault: "nosuchvault", name: "missing", as: caller) } == .accessDenied)
        #expect(code { _ = try e.objects(.secret).properties(vault: "vault1", name: "missing", as: caller) } == .accessDenied)
        #expect(code { _ = try e.secrets.set(vault: "nosuchvault", name: "x", value: [1], as: caller) } == .accessDenied)
        #expect(code { _ = try e.vaults.show(named: "vault1", as: caller) } == .accessDenied)
        #expect(code { _ = try e.vaults.show(named: "nosuchvault", as: caller) } == .accessDenied)
    }

    @Test("With list rights, a missing object is notFound")
    func notFoundForReaders() throws {
        let (store, caller) = try Self.fixture(for: .secretsUser)
        let e = store.engine
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "missing", as: caller) } == .notFound)
        #expect(code { _ = try e.objects(.secret).properties(vault: "vault1", name: "missing", as: caller) } == .notFound)
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "gone", as: caller) } == .notFound)
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "existing", version: String(repeating: "0", count: 32), as: caller) } == .notFound)
        #expect(code { _ = try e.objects(.secret).deleted(vault: "vault1", name: "existing", as: caller) } == .notFound)
    }

    @Test("An object-scope Secrets Officer on a name held by a soft-deleted secret gets deletedButRecoverable")
    func objectScopeOnDeletedName() throws {
        let (store, caller) = try Self.fixture(for: .objectScopeOfficer)
        #expect(code { _ = try store.engine.secrets.set(vault: "vault1", name: "gone", value: [1], as: caller) } == .deletedButRecoverable)
    }

    @Test("A role in one vault gives nothing in another")
    func otherVault() throws {
        let (store, caller) = try Self.fixture(for: .noRole)
        // uid 1001 is Administrator of "other".
        #expect(try store.engine.secrets.set(vault: "other", name: "x", value: [1], as: caller).name == "x")
        #expect(code { _ = try store.engine.objects(.secret).list(vault: "vault1", as: caller) } == .accessDenied)
    }
}
