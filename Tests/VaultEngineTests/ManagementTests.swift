import Foundation
import Testing
import VaultEngine

@Suite("Principals and role assignments")
struct ManagementTests {
    static let owner = TestStore.owner

    @Test("Principal names and bindings are unique")
    func principalConflicts() throws {
        let store = try TestStore()
        let e = store.engine
        try e.access.createPrincipal(named: "alice", kind: .user, unixID: 1001, as: Self.owner)
        #expect(code { _ = try e.access.createPrincipal(named: "ALICE", kind: .group, unixID: 7, as: Self.owner) } == .conflict)
        #expect(code { _ = try e.access.createPrincipal(named: "alice2", kind: .user, unixID: 1001, as: Self.owner) } == .conflict)
        // The same number as a group is another binding.
        #expect(code { _ = try e.access.createPrincipal(named: "staff", kind: .group, unixID: 1001, as: Self.owner) } == nil)
        #expect(code { _ = try e.access.createPrincipal(named: "bad name", kind: .user, unixID: 2, as: Self.owner) } == .invalidArgument)
        #expect(code { _ = try e.access.createPrincipal(named: "", kind: .user, unixID: 2, as: Self.owner) } == .invalidArgument)
        #expect(code { _ = try e.access.createPrincipal(named: "svc_app.prod-1", kind: .user, unixID: 2, as: Self.owner) } == nil)
        #expect(code { try e.access.deletePrincipal(named: "nobody", as: Self.owner) } == .notFound)
        #expect(try e.access.principals(as: Self.owner).map(\.name) == ["alice", "staff", "svc_app.prod-1"])
    }

    @Test("The same role at the same scope cannot be assigned twice; assignments are listed and removed by id")
    func assignmentConflicts() throws {
        let store = try TestStore()
        try store.makeVault()
        let a = try store.grant(.reader, toUser: 1001, at: "/vaults/vault1")
        #expect(isHexVersion(a.id))
        #expect(code { try store.grant(.reader, toUser: 1001, at: "/vaults/VAULT1") } == .conflict)
        let b = try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault1/secrets/db")
        let listed = try store.engine.access.assignments(principal: "U1001", as: Self.owner)
        #expect(Set(listed.map(\.id)) == [a.id, b.id])
        #expect(try store.engine.access.assignments(scope: Scope(parsing: "/vaults/vault1/secrets/DB"), as: Self.owner).map(\.id) == [b.id])
        try store.engine.access.removeAssignment(id: a.id.uppercased(), as: Self.owner)
        #expect(try store.engine.access.assignments(principal: "u1001", as: Self.owner).map(\.id) == [b.id])
        #expect(code { try store.engine.access.removeAssignment(id: a.id, as: Self.owner) } == .notFound)
    }

    @Test("A deleted vault cannot be recovered once its retention has passed")
    func recoverTooLate() throws {
        let store = try TestStore()
        try store.makeVault(options: VaultCreateOptions(retentionDays: 7))
        try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        store.clock.advance(days: 7)
        #expect(code { _ = try store.engine.vaults.recover(named: "vault1", as: Self.owner) } == .notFound)
        #expect(try store.engine.vaults.list(deleted: true, as: Self.owner).isEmpty)
    }

    @Test("A vault-scope role reaches an object of the vault created later, and an object-scope role survives a new version")
    func scopesOverTime() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "1")
        try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault1")
        try store.grant(.secretsUser, toUser: 1002, at: "/vaults/vault1/secrets/db")
        try store.seed("later", "2")
        try store.seed("db", "3")
        #expect(try store.engine.secrets.get(vault: "vault1", name: "later", as: TestStore.user(1001)).value.bytes == Array("2".utf8))
        #expect(try store.engine.secrets.get(vault: "vault1", name: "db", as: TestStore.user(1002)).value.bytes == Array("3".utf8))
        #expect(code { _ = try store.engine.secrets.get(vault: "vault1", name: "later", as: TestStore.user(1002)) } == .accessDenied)
    }

    /// Reference §1: Secrets User, Certificate User, Crypto User and Crypto Service Release User have no
    /// control-plane actions at all, so no `Microsoft.Authorization/*/read`; `listRoleAssignments` documents that
    /// rule but grants reading to any role holder.
    @Test("Only roles with Microsoft.Authorization/*/read see a vault's role assignments", arguments: [
        (BuiltInRole.secretsUser, false), (.certificateUser, false), (.cryptoUser, false), (.cryptoServiceReleaseUser, false), (.cryptoServiceEncryptionUser, false),
        (.certificatesOfficer, true), (.cryptoOfficer, true),
        (.reader, true), (.secretsOfficer, true), (.administrator, true), (.dataAccessAdministrator, true),
    ])
    func assignmentVisibility(role: BuiltInRole, sees: Bool) throws {
        let store = try TestStore()
        try store.makeVault()
        try store.grant(.secretsOfficer, toUser: 1005, at: "/vaults/vault1")
        try store.grant(role, toUser: 1001, at: "/vaults/vault1")
        let visible = (try? store.engine.access.assignments(as: TestStore.user(1001))) ?? []
        #expect(visible.contains { $0.principal == "u1005" } == sees, "\(role.name)")
    }
}
