import Foundation
import Testing
import VaultEngine

@Suite("Access evaluator")
struct EvaluatorTests {
    static func assignment(_ id: String, _ role: BuiltInRole, _ scope: String) throws -> RoleAssignment {
        RoleAssignment(id: id, principal: "p-\(id)", role: role, scope: try Scope(parsing: scope), created: TestStore.start)
    }

    static let getSecret = DataAction.Secrets.getSecret
    static let setSecret = DataAction.Secrets.setSecret
    static let readMetadata = DataAction.Secrets.readMetadata

    @Test("A vault-scope assignment covers the collection and every object, in that vault only")
    func vaultScope() throws {
        let a = try Self.assignment("a1", .secretsUser, "/vaults/vault1")
        let evaluator = AccessEvaluator(assignments: [a])
        #expect(evaluator.decide(Self.getSecret, on: Resource(vault: "vault1", kind: .secret, name: "db")) == .allow(a))
        #expect(evaluator.decide(Self.getSecret, on: Resource(vault: "VAULT1", kind: .secret, name: "other")) == .allow(a))
        #expect(evaluator.decide(Self.readMetadata, on: Resource(vault: "vault1", kind: .secret)) == .allow(a))
        #expect(!evaluator.decide(Self.getSecret, on: Resource(vault: "vault2", kind: .secret, name: "db")).isAllowed)
        #expect(!evaluator.decide(Self.setSecret, on: Resource(vault: "vault1", kind: .secret, name: "db")).isAllowed)
        #expect(!evaluator.decide(DataAction.Keys.read, on: Resource(vault: "vault1", kind: .key, name: "db")).isAllowed)
    }

    @Test("A vault-scope assignment lets a Secrets Officer create a new name")
    func vaultScopeCreates() throws {
        let a = try Self.assignment("a1", .secretsOfficer, "/vaults/vault1")
        let evaluator = AccessEvaluator(assignments: [a])
        #expect(evaluator.decide(Self.setSecret, on: Resource(vault: "vault1", kind: .secret, name: "new"), objectExists: false) == .allow(a))
    }

    @Test("An object-scope assignment opens that object by name and nothing else")
    func objectScope() throws {
        let a = try Self.assignment("o1", .secretsOfficer, "/vaults/vault1/secrets/db")
        let evaluator = AccessEvaluator(assignments: [a])
        let db = Resource(vault: "vault1", kind: .secret, name: "db")
        #expect(evaluator.decide(Self.getSecret, on: db) == .allow(a))
        #expect(evaluator.decide(Self.getSecret, on: Resource(vault: "VAULT1", kind: .secret, name: "DB")) == .allow(a))
        #expect(evaluator.decide(Self.setSecret, on: db, objectExists: true) == .allow(a))
        // A new name has no scope yet: creating it needs a vault-scope role.
        #expect(!evaluator.decide(Self.setSecret, on: db, objectExists: false).isAllowed)
        #expect(!evaluator.decide(Self.setSecret, on: Resource(vault: "vault1", kind: .secret, name: "new"), objectExists: false).isAllowed)
        // The collection cannot be listed.
        #expect(!evaluator.decide(Self.readMetadata, on: Resource(vault: "vault1", kind: .secret)).isAllowed)
        // Other secrets, the same name in another family, another vault: denied.
        #expect(!evaluator.decide(Self.getSecret, on: Resource(vault: "vault1", kind: .secret, name: "db2")).isAllowed)
        #expect(!evaluator.decide(Self.getSecret, on: Resource(vault: "vault1", kind: .secret, name: "d")).isAllowed)
        #expect(!evaluator.decide(DataAction.Keys.read, on: Resource(vault: "vault1", kind: .key, name: "db")).isAllowed)
        #expect(!evaluator.decide(Self.getSecret, on: Resource(vault: "vault2", kind: .secret, name: "db")).isAllowed)
        #expect(evaluator.holdsAnyRole(in: "vault1"))
        #expect(!evaluator.holdsAnyRole(in: "vault2"))
        #expect(evaluator.grantedActions(on: Resource(vault: "vault1", kind: .secret), among: DataAction.Secrets.all).isEmpty)
        #expect(evaluator.grantedActions(on: db, among: DataAction.Secrets.all) == Set(DataAction.Secrets.all))
    }

    @Test("With no assignment every request is denied, with the reason")
    func noAssignment() {
        let evaluator = AccessEvaluator(assignments: [])
        let decision = evaluator.decide(Self.getSecret, on: Resource(vault: "vault1", kind: .secret, name: "db"))
        guard case .deny(let reason) = decision else {
            Issue.record("expected a denial, got \(decision)")
            return
        }
        #expect(reason.contains("DeniedWithNoValidRBAC"))
        #expect(reason.contains("no role assignment"))
    }

    @Test("A denial names the action and the resource when assignments exist but none grants it")
    func denialReason() throws {
        let evaluator = AccessEvaluator(assignments: [try Self.assignment("r", .reader, "/vaults/vault1")])
        let decision = evaluator.decide(Self.getSecret, on: Resource(vault: "vault1", kind: .secret, name: "db"))
        guard case .deny(let reason) = decision else {
            Issue.record("expected a denial, got \(decision)")
            return
        }
        #expect(reason.contains("DeniedWithNoValidRBAC"))
        #expect(reason.contains("secrets/getSecret/action"))
        #expect(reason.contains("/vaults/vault1/secrets/db"))
    }

    @Test("Among several assignments, the one that grants the action is applied")
    func picksGrantingAssignment() throws {
        let reader = try Self.assignment("r", .reader, "/vaults/vault1")
        let user = try Self.assignment("u", .secretsUser, "/vaults/vault1/secrets/db")
        let evaluator = AccessEvaluator(assignments: [reader, user])
        #expect(evaluator.decide(Self.getSecret, on: Resource(vault: "vault1", kind: .secret, name: "db")) == .allow(user))
        #expect(evaluator.decide(Self.readMetadata, on: Resource(vault: "vault1", kind: .secret)) == .allow(reader))
        #expect(!evaluator.decide(Self.getSecret, on: Resource(vault: "vault1", kind: .secret, name: "other")).isAllowed)
    }

    @Test("Group principals match the caller's gid and supplementary groups")
    func groups() throws {
        let store = try TestStore()
        try store.makeVault()
        let assignment = try store.grant(.secretsUser, toGroup: 3000, at: "/vaults/vault1")
        let db = Resource(vault: "vault1", kind: .secret, name: "db")
        let primary = Caller(uid: 1001, gid: 3000, pid: 1)
        let supplementary = Caller(uid: 1002, gid: 100, groups: [50, 3000], pid: 2)
        let outsider = Caller(uid: 1003, gid: 100, groups: [50, 3001], pid: 3)
        #expect(try store.engine.access.evaluator(for: primary).decide(Self.getSecret, on: db) == .allow(assignment))
        #expect(try store.engine.access.evaluator(for: supplementary).decide(Self.getSecret, on: db) == .allow(assignment))
        #expect(try !store.engine.access.evaluator(for: outsider).decide(Self.getSecret, on: db).isAllowed)
        // A uid equal to the group's id is not membership.
        #expect(try !store.engine.access.evaluator(for: Caller(uid: 3000, gid: 100, pid: 4)).decide(Self.getSecret, on: db).isAllowed)
        #expect(try store.engine.access.evaluator(for: outsider).assignments.isEmpty)
    }

    @Test("A user principal matches the uid only, not a gid with the same number")
    func userPrincipal() throws {
        let store = try TestStore()
        try store.makeVault()
        let assignment = try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault1")
        let db = Resource(vault: "vault1", kind: .secret, name: "db")
        #expect(try store.engine.access.evaluator(for: Caller(uid: 1001, gid: 9, pid: 1)).decide(Self.getSecret, on: db) == .allow(assignment))
        #expect(try !store.engine.access.evaluator(for: Caller(uid: 9, gid: 1001, groups: [1001], pid: 1)).decide(Self.getSecret, on: db).isAllowed)
    }

    @Test("Deleting a principal removes its assignments")
    func deletePrincipal() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault1")
        try store.engine.access.deletePrincipal(named: "u1001", as: TestStore.owner)
        #expect(try store.engine.access.evaluator(for: TestStore.user(1001)).assignments.isEmpty)
        #expect(try store.engine.access.assignments(principal: "u1001", as: TestStore.owner).isEmpty)
    }

    @Test("Scopes parse Azure's tail shapes and nothing else", arguments: [
        ("/vaults/v1x", true), ("/vaults/v1x/secrets/db", true), ("/VAULTS/v1x/Keys/k-1", true),
        ("/vaults/v1x/certificates/c", true),
        ("vaults/v1x", false), ("/vaults/v1x/", false), ("/vaults/v1x/secret/db", false), ("/vaults/v1x/secrets", false),
        ("/vaults/v1x/secrets/bad_name", false), ("/vaults/v1x/secrets/db/extra", false), ("/vaults//secrets/db", false),
        ("/vaults/1ab", false), ("/subscriptions/s/vaults/v1x", false), ("", false),
    ])
    func scopes(text: String, valid: Bool) {
        let result = code { _ = try Scope(parsing: text) }
        #expect(result == (valid ? nil : .invalidArgument), "\(text)")
    }

    @Test("A parsed scope keeps its parts and compares without regard to case")
    func scopeParts() throws {
        let scope = try Scope(parsing: "/vaults/Vault1/secrets/DB")
        #expect(scope.vault == "Vault1")
        #expect(scope.object?.kind == .secret)
        #expect(scope.object?.name == "DB")
        #expect(scope == (try Scope(parsing: "/vaults/vault1/SECRETS/db")))
        #expect(scope != (try Scope(parsing: "/vaults/vault1")))
    }
}
