import Foundation
import Testing
@testable import VaultEngine

/// Key Vault Data Access Administrator as Azure means it: it creates and deletes the assignments of the eight
/// roles its condition lists, at its scope and below, without owning the store; every other role is refused
/// with `.roleNotDelegable`, every scope it does not cover with `.managementDenied`.
@Suite("Data Access Administrator")
struct DataAccessAdministratorTests {
    static let owner = TestStore.owner
    /// Data Access Administrator on vault1.
    static let vaultAdmin = TestStore.user(3201)
    /// Data Access Administrator on vault1's secret `a` only.
    static let objectAdmin = TestStore.user(3202)
    /// Key Vault Administrator on vault1: all data actions, no assignment rights.
    static let dataAdmin = TestStore.user(3203)

    static func fixture() throws -> TestStore {
        let store = try TestStore()
        try store.makeVault("vault1")
        try store.makeVault("vault2")
        try store.seed("a", "alpha", in: "vault1")
        try store.grant(.dataAccessAdministrator, toUser: vaultAdmin.uid, at: "/vaults/vault1")
        try store.grant(.dataAccessAdministrator, toUser: objectAdmin.uid, at: "/vaults/vault1/secrets/a")
        try store.grant(.administrator, toUser: dataAdmin.uid, at: "/vaults/vault1")
        try store.engine.access.createPrincipal(named: "app", kind: .user, unixID: 3299, as: owner)
        return store
    }

    static func reason(_ store: TestStore, _ role: BuiltInRole, _ scope: String, as caller: Caller) -> VaultError.Reason? {
        vaultError { _ = try store.engine.access.assign(principal: "app", role: role, scope: try Scope(parsing: scope), as: caller) }?.reason
    }

    @Test("Each role at its own vault: the eight delegable ones are assigned and removed, the rest refused as not delegable",
          arguments: BuiltInRole.all)
    func roleTable(role: BuiltInRole) throws {
        let store = try Self.fixture()
        let delegable: Set<String> = ["Key Vault Administrator", "Key Vault Certificates Officer", "Key Vault Crypto Officer",
                                      "Key Vault Crypto Service Encryption User", "Key Vault Crypto User", "Key Vault Reader",
                                      "Key Vault Secrets Officer", "Key Vault Secrets User"]
        guard delegable.contains(role.name) else {
            #expect(Self.reason(store, role, "/vaults/vault1", as: Self.vaultAdmin) == .roleNotDelegable)
            // Nor may it remove such an assignment the owner made.
            let made = try store.engine.access.assign(principal: "app", role: role, scope: Scope(vault: "vault1"), as: Self.owner)
            #expect(vaultError { try store.engine.access.removeAssignment(id: made.id, as: Self.vaultAdmin) }?.reason == .roleNotDelegable)
            #expect(try store.engine.access.assignments(principal: "app", as: Self.owner).map(\.id) == [made.id])
            return
        }
        let made = try store.engine.access.assign(principal: "app", role: role, scope: Scope(vault: "vault1"), as: Self.vaultAdmin)
        #expect(made.role == role)
        try store.engine.access.removeAssignment(id: made.id, as: Self.vaultAdmin)
        #expect(try store.engine.access.assignments(principal: "app", as: Self.owner).isEmpty)
    }

    @Test("A delegated assignment takes effect at once, and its removal too, in the engine that made it")
    func takesEffectAtOnce() throws {
        let store = try Self.fixture()
        let app = TestStore.user(3299)
        #expect(vaultError { _ = try store.engine.secrets.get(vault: "vault1", name: "a", as: app) }?.reason == .accessDenied)
        let made = try store.engine.access.assign(principal: "app", role: .secretsUser, scope: Scope(vault: "vault1"), as: Self.vaultAdmin)
        #expect(try store.engine.secrets.get(vault: "vault1", name: "a", as: app).value.count == 5)
        try store.engine.access.removeAssignment(id: made.id, as: Self.vaultAdmin)
        #expect(vaultError { _ = try store.engine.secrets.get(vault: "vault1", name: "a", as: app) }?.reason == .accessDenied)
    }

    @Test("Scope: its vault and the objects in it, never another vault or the store; an object-scope grant covers that object only")
    func scopeTable() throws {
        let store = try Self.fixture()
        #expect(Self.reason(store, .secretsUser, "/vaults/vault1/secrets/a", as: Self.vaultAdmin) == nil)
        #expect(Self.reason(store, .cryptoUser, "/vaults/vault1/keys/k", as: Self.vaultAdmin) == nil)
        #expect(Self.reason(store, .secretsUser, "/vaults/vault2", as: Self.vaultAdmin) == .managementDenied)
        #expect(Self.reason(store, .auditReader, "/", as: Self.vaultAdmin) == .managementDenied)
        #expect(Self.reason(store, .secretsOfficer, "/vaults/vault1/secrets/a", as: Self.objectAdmin) == nil)
        #expect(Self.reason(store, .secretsUser, "/vaults/vault1/secrets/b", as: Self.objectAdmin) == .managementDenied)
        #expect(Self.reason(store, .secretsUser, "/vaults/vault1", as: Self.objectAdmin) == .managementDenied)
        // Not delegable wins over scope only where the scope is covered.
        #expect(Self.reason(store, .dataAccessAdministrator, "/vaults/vault1/secrets/a", as: Self.objectAdmin) == .roleNotDelegable)
        #expect(Self.reason(store, .dataAccessAdministrator, "/vaults/vault2", as: Self.vaultAdmin) == .managementDenied)
    }

    @Test("Without the role: a Key Vault Administrator and a stranger are refused as management denied")
    func othersRefused() throws {
        let store = try Self.fixture()
        #expect(Self.reason(store, .secretsUser, "/vaults/vault1", as: Self.dataAdmin) == .managementDenied)
        #expect(Self.reason(store, .secretsUser, "/vaults/vault1", as: TestStore.user(3298)) == .managementDenied)
        let made = try store.engine.access.assign(principal: "app", role: .secretsUser, scope: Scope(vault: "vault1"), as: Self.owner)
        #expect(vaultError { try store.engine.access.removeAssignment(id: made.id, as: Self.dataAdmin) }?.reason == .managementDenied)
        #expect(try store.engine.access.mayManageAssignments(as: Self.vaultAdmin))
        #expect(try !store.engine.access.mayManageAssignments(as: Self.dataAdmin))
    }

    @Test("Each change is audited with the grant that allowed it or why it was refused")
    func audited() throws {
        let store = try Self.fixture()
        _ = try store.engine.access.assign(principal: "app", role: .secretsUser, scope: Scope(vault: "vault1"), as: Self.vaultAdmin)
        _ = Self.reason(store, .administrator, "/vaults/vault2", as: Self.vaultAdmin)
        _ = Self.reason(store, .certificateUser, "/vaults/vault1", as: Self.vaultAdmin)
        try store.engine.flushAudit()
        let lines = try store.auditLog().filter { $0.operationName == "RoleAssignmentCreate" && $0.caller.uid == Self.vaultAdmin.uid }
        #expect(lines.map(\.resultType) == ["Success", "Failure", "Failure"])
        #expect(lines[0].role == BuiltInRole.dataAccessAdministrator.name)
        #expect(lines[1].resultSignature == "AuthorizationFailed")
        #expect(lines[2].resultSignature == "RoleNotDelegable")
    }
}
