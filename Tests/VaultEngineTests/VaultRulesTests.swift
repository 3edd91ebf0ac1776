import Foundation
import Testing
import VaultEngine

@Suite("Vault rules")
struct VaultRulesTests {
    static let owner = TestStore.owner

    @Test("Vault names follow Azure's rule", arguments: [
        ("abc", true), ("a-b-c", true), ("Vault1", true), ("a1b2c3", true),
        (String(repeating: "a", count: 24), true),
        ("ab", false), (String(repeating: "a", count: 25), false), ("", false),
        ("1abc", false), ("-abc", false), ("a--b", false), ("abc-", false),
        ("ab_c", false), ("ab.c", false), ("ab c", false), ("abé", false), ("ab/c", false), ("abc\n", false),
    ])
    func names(name: String, valid: Bool) throws {
        let store = try TestStore()
        let result = code { _ = try store.engine.vaults.create(named: name, as: Self.owner) }
        #expect(result == (valid ? nil : .invalidArgument), "'\(name)'")
        #expect(try store.engine.vaults.list(as: Self.owner).count == (valid ? 1 : 0))
    }

    @Test("A vault keeps its settings; retention defaults to 90 days")
    func defaults() throws {
        let store = try TestStore()
        let created = try store.engine.vaults.create(named: "vault1", as: Self.owner)
        #expect(created.retentionDays == 90)
        #expect(created.purgeProtection == false)
        #expect(created.softDeleteEnabled)
        #expect(created.recoveryLevel == "Recoverable+Purgeable")
        #expect(created.created == TestStore.start)
        let shown = try store.engine.vaults.show(named: "VAULT1", as: Self.owner)
        #expect(shown.name == "vault1")
        #expect(shown.retentionDays == 90)
    }

    @Test("Retention is 7 to 90 days", arguments: [(6, false), (7, true), (30, true), (90, true), (91, false), (0, false), (-1, false)])
    func retention(days: Int, valid: Bool) throws {
        let store = try TestStore()
        let result = code { _ = try store.engine.vaults.create(named: "vault1", options: VaultCreateOptions(retentionDays: days), as: Self.owner) }
        #expect(result == (valid ? nil : .invalidArgument))
        if valid {
            #expect(try store.engine.vaults.show(named: "vault1", as: Self.owner).retentionDays == days)
        }
    }

    @Test("Recovery level follows retention and purge protection", arguments: [
        (90, false, "Recoverable+Purgeable"), (90, true, "Recoverable"),
        (7, false, "CustomizedRecoverable+Purgeable"), (7, true, "CustomizedRecoverable"),
    ])
    func recoveryLevel(days: Int, protection: Bool, level: String) throws {
        let store = try TestStore()
        try store.makeVault(options: VaultCreateOptions(retentionDays: days, purgeProtection: protection))
        #expect(try store.engine.vaults.show(named: "vault1", as: Self.owner).recoveryLevel == level)
        let p = try store.seed("s", "x")
        #expect(p.recoveryLevel == level)
        #expect(p.recoverableDays == days)
    }

    @Test("Names are unique without regard to case, soft-deleted vaults included")
    func unique() throws {
        let store = try TestStore()
        try store.engine.vaults.create(named: "vault1", as: Self.owner)
        #expect(code { _ = try store.engine.vaults.create(named: "VAULT1", as: Self.owner) } == .conflict)
        try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        let error = vaultError { _ = try store.engine.vaults.create(named: "Vault1", as: Self.owner) }
        #expect(error?.code == .conflict)
        #expect(error?.azureCode == "VaultAlreadyExists")
        #expect(try store.engine.vaults.list(deleted: true, as: Self.owner).map(\.name) == ["vault1"])
    }

    @Test("Retention is immutable")
    func retentionImmutable() throws {
        let store = try TestStore()
        try store.engine.vaults.create(named: "vault1", options: VaultCreateOptions(retentionDays: 30), as: Self.owner)
        #expect(code { _ = try store.engine.vaults.update(named: "vault1", VaultUpdate(retentionDays: 31), as: Self.owner) } == .invalidArgument)
        #expect(code { _ = try store.engine.vaults.update(named: "vault1", VaultUpdate(retentionDays: 90), as: Self.owner) } == .invalidArgument)
        // Restating the same value is not a change.
        #expect(code { _ = try store.engine.vaults.update(named: "vault1", VaultUpdate(retentionDays: 30), as: Self.owner) } == nil)
        #expect(try store.engine.vaults.show(named: "vault1", as: Self.owner).retentionDays == 30)
    }

    @Test("Purge protection can be turned on, never off")
    func purgeProtectionOneWay() throws {
        let store = try TestStore()
        try store.engine.vaults.create(named: "vault1", as: Self.owner)
        // Turning it "off" while off is a no-op.
        #expect(code { _ = try store.engine.vaults.update(named: "vault1", VaultUpdate(purgeProtection: false), as: Self.owner) } == nil)
        store.clock.advance(by: 60)
        let on = try store.engine.vaults.update(named: "vault1", VaultUpdate(purgeProtection: true), as: Self.owner)
        #expect(on.purgeProtection)
        #expect(on.updated == TestStore.start.addingTimeInterval(60))
        #expect(code { _ = try store.engine.vaults.update(named: "vault1", VaultUpdate(purgeProtection: false), as: Self.owner) } == .invalidArgument)
        #expect(try store.engine.vaults.show(named: "vault1", as: Self.owner).purgeProtection)
        // Created with it on: also stays on.
        try store.engine.vaults.create(named: "vault2", options: VaultCreateOptions(purgeProtection: true), as: Self.owner)
        #expect(code { _ = try store.engine.vaults.update(named: "vault2", VaultUpdate(sku: .premium, purgeProtection: false), as: Self.owner) } == .invalidArgument)
        let v2 = try store.engine.vaults.show(named: "vault2", as: Self.owner)
        #expect(v2.purgeProtection)
        #expect(v2.sku == .standard, "a refused update must change nothing")
    }

    @Test("Deleting a vault removes its role assignments, and recovery does not bring them back")
    func deleteRemovesAssignments() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.makeVault("vault2")
        try store.seed("db", "hunter2")
        try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault1")
        try store.grant(.secretsOfficer, toUser: 1002, at: "/vaults/vault1/secrets/db")
        let kept = try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault2")
        let user = TestStore.user(1001)
        #expect(try store.engine.secrets.get(vault: "vault1", name: "db", as: user).value.bytes == Array("hunter2".utf8))

        let deleted = try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        #expect(deleted.deletedDate == TestStore.start)
        #expect(deleted.scheduledPurgeDate == TestStore.start.addingTimeInterval(90 * 86_400))
        #expect(try store.engine.access.assignments(as: Self.owner).filter { $0.scope.vault == "vault1" }.isEmpty)
        #expect(try store.engine.access.assignments(as: Self.owner).contains(kept))
        #expect(code { _ = try store.engine.secrets.get(vault: "vault1", name: "db", as: user) } == .accessDenied)
        #expect(code { _ = try store.engine.vaults.show(named: "vault1", as: Self.owner) } == .notFound)
        #expect(try store.engine.vaults.list(as: Self.owner).map(\.name) == ["vault2"])

        let recovered = try store.engine.vaults.recover(named: "vault1", as: Self.owner)
        #expect(recovered.deletedDate == nil)
        #expect(recovered.scheduledPurgeDate == nil)
        #expect(try store.engine.access.assignments(as: Self.owner).filter { $0.scope.vault == "vault1" }.isEmpty)
        #expect(code { _ = try store.engine.secrets.get(vault: "vault1", name: "db", as: user) } == .accessDenied)
        #expect(code { _ = try store.engine.secrets.get(vault: "vault1", name: "db", as: TestStore.seeder) } == .accessDenied)
        // Objects come back as they were once someone is given a role again.
        try store.engine.access.assign(principal: "seeder", role: .administrator, scope: Scope(vault: "vault1"), as: Self.owner)
        #expect(try store.read("db") == "hunter2")
    }

    @Test("A role assignment needs a live vault")
    func assignmentNeedsLiveVault() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.engine.access.createPrincipal(named: "alice", kind: .user, unixID: 1001, as: Self.owner)
        try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        #expect(code { _ = try store.engine.access.assign(principal: "alice", role: .reader, scope: Scope(vault: "vault1"), as: Self.owner) } == .notFound)
        #expect(code { _ = try store.engine.access.assign(principal: "alice", role: .reader, scope: Scope(vault: "nosuch"), as: Self.owner) } == .notFound)
        #expect(code { _ = try store.engine.access.assign(principal: "bob", role: .reader, scope: Scope(vault: "vault1"), as: Self.owner) } == .notFound)
    }

    @Test("Purge without purge protection: allowed at once for the Owner")
    func purgeUnprotected() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "x")
        #expect(code { try store.engine.vaults.purge(named: "vault1", as: Self.owner) } == .notFound, "a live vault cannot be purged")
        try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        try store.engine.vaults.purge(named: "vault1", as: Self.owner)
        #expect(try store.engine.vaults.list(deleted: true, as: Self.owner).isEmpty)
        #expect(code { _ = try store.engine.vaults.recover(named: "vault1", as: Self.owner) } == .notFound)
        // The name is free again, and the new vault is empty.
        try store.makeVault()
        #expect(try store.engine.objects(.secret).list(vault: "vault1", as: TestStore.seeder).isEmpty)
    }

    @Test("Purge protection refuses a vault purge until the scheduled date; then the vault is purged automatically")
    func purgeProtected() throws {
        let store = try TestStore()
        try store.makeVault(options: VaultCreateOptions(retentionDays: 7, purgeProtection: true))
        try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        let error = vaultError { try store.engine.vaults.purge(named: "vault1", as: Self.owner) }
        #expect(error?.code == .purgeProtected)
        store.clock.advance(by: 7 * 86_400 - 1)
        #expect(code { try store.engine.vaults.purge(named: "vault1", as: Self.owner) } == .purgeProtected)
        #expect(try store.engine.vaults.list(deleted: true, as: Self.owner).map(\.name) == ["vault1"])
        // Recovery stays possible under purge protection.
        try store.engine.vaults.recover(named: "vault1", as: Self.owner)
        try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        store.clock.advance(by: 7 * 86_400)
        try store.engine.housekeeping.run()
        #expect(try store.engine.vaults.list(deleted: true, as: Self.owner).isEmpty)
        #expect(code { try store.engine.vaults.purge(named: "vault1", as: Self.owner) } == .notFound)
        try store.engine.vaults.create(named: "vault1", as: Self.owner)
        let purgeLine = try #require(try store.auditLog().last { $0.operationName == "VaultPurge" && $0.resultType == "Success" })
        #expect(purgeLine.caller.uid == UInt32.max, "the automatic purge is recorded as the system's")
        #expect(purgeLine.vault == "vault1")
    }

    @Test("A deleted vault past its date is hidden at once and purged by housekeeping; opening a store writes nothing")
    func automaticVaultPurgeByHousekeeping() throws {
        let store = try TestStore()
        try store.makeVault(options: VaultCreateOptions(retentionDays: 10))
        try store.engine.vaults.delete(named: "vault1", as: Self.owner)
        store.clock.advance(days: 9)
        #expect(try store.engine.vaults.list(deleted: true, as: Self.owner).count == 1)
        store.clock.advance(days: 1)
        // Listing already hides it; opening another engine leaves the store as it is; housekeeping purges it.
        #expect(try store.engine.vaults.list(deleted: true, as: Self.owner).isEmpty)
        let lines = try store.auditCount()
        let other = try store.openAnotherEngine()
        #expect(try store.sql("SELECT count(*) FROM vaults") == "1")
        #expect(try store.auditCount() == lines)
        try other.housekeeping.run()
        #expect(try store.sql("SELECT count(*) FROM vaults") == "0")
        #expect(try other.audit.verify(as: Self.owner).isIntact)
    }

    @Test("Only the Owner manages vaults, principals and the audit log")
    func ownerOnly() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.engine.vaults.create(named: "deadvault", as: Self.owner)
        try store.engine.vaults.delete(named: "deadvault", as: Self.owner)
        // Even an Administrator of the vault is not the Owner.
        try store.grant(.administrator, toUser: 1001, at: "/vaults/vault1")
        let admin = TestStore.user(1001)
        let stranger = TestStore.user(1002)
        for caller in [admin, stranger] {
            let e = store.engine
            #expect(code { _ = try e.vaults.create(named: "newvault", as: caller) } == .accessDenied)
            #expect(code { _ = try e.vaults.update(named: "vault1", VaultUpdate(purgeProtection: true), as: caller) } == .accessDenied)
            #expect(code { _ = try e.vaults.delete(named: "vault1", as: caller) } == .accessDenied)
            #expect(code { _ = try e.vaults.recover(named: "deadvault", as: caller) } == .accessDenied)
            #expect(code { try e.vaults.purge(named: "deadvault", as: caller) } == .accessDenied)
            #expect(code { _ = try e.vaults.list(deleted: true, as: caller) } == .accessDenied)
            #expect(code { _ = try e.access.createPrincipal(named: "mallory", kind: .user, unixID: 1002, as: caller) } == .accessDenied)
            #expect(code { _ = try e.access.principals(as: caller) } == .accessDenied)
            #expect(code { try e.access.deletePrincipal(named: "seeder", as: caller) } == .accessDenied)
            #expect(code { _ = try e.access.assign(principal: "u1001", role: .administrator, scope: Scope(vault: "vault1"), as: caller) } == .accessDenied)
            #expect(code { _ = try e.audit.records(as: caller) } == .accessDenied)
            #expect(code { _ = try e.audit.verify(as: caller) } == .accessDenied)
        }
        #expect(try store.engine.vaults.list(as: Self.owner).map(\.name) == ["vault1"])
        #expect(try !store.engine.vaults.show(named: "vault1", as: Self.owner).purgeProtection)
        #expect(try store.engine.access.principals(as: Self.owner).map(\.name) == ["seeder", "u1001"])
        // A caller with a role sees that vault, and only it.
        #expect(try store.engine.vaults.show(named: "vault1", as: admin).name == "vault1")
        #expect(try store.engine.vaults.list(as: admin).map(\.name) == ["vault1"])
        #expect(try store.engine.vaults.list(as: stranger).isEmpty)
        #expect(code { _ = try store.engine.vaults.show(named: "vault1", as: stranger) } == .accessDenied)
    }

    @Test("The Owner of the store directory (not only root) is the Owner")
    func directoryOwner() throws {
        let store = try TestStore()
        #expect(store.engine.ownerUID == 0)
        #expect(store.engine.isOwner(TestStore.owner))
        #expect(!store.engine.isOwner(TestStore.user(1001)))
        #expect(!store.engine.isOwner(Caller(uid: 1001, gid: 0, groups: [0], pid: 1)), "root's group is not ownership")
    }

    @Test("The Owner has no data access without a role assignment, and the audit log says why")
    func ownerHasNoDataAccess() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "hunter2")
        let e = store.engine
        let owner = Self.owner
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "db", as: owner) } == .accessDenied)
        #expect(code { _ = try e.secrets.set(vault: "vault1", name: "db", value: [1], as: owner) } == .accessDenied)
        #expect(code { _ = try e.objects(.secret).list(vault: "vault1", as: owner) } == .accessDenied)
        #expect(code { _ = try e.objects(.secret).properties(vault: "vault1", name: "db", as: owner) } == .accessDenied)
        #expect(code { _ = try e.objects(.secret).delete(vault: "vault1", name: "db", as: owner) } == .accessDenied)
        let line = try #require(try store.auditLog().last)
        #expect(line.operationName == "SecretDelete")
        #expect(line.caller.uid == 0)
        #expect(line.resultType == "Failure")
        #expect(line.resultSignature == "ForbiddenByRbac")
        #expect(line.resultDescription?.contains("DeniedWithNoValidRBAC") == true)
        // Assigning itself a role is how the Owner gets in.
        try e.access.createPrincipal(named: "root", kind: .user, unixID: 0, as: owner)
        try e.access.assign(principal: "root", role: .secretsUser, scope: Scope(vault: "vault1"), as: owner)
        #expect(try e.secrets.get(vault: "vault1", name: "db", as: owner).value.bytes == Array("hunter2".utf8))
    }

    @Test("A Data Access Administrator assigns the eight delegable roles in its vault, and nothing else")
    func dataAccessAdministrator() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.makeVault("vault2")
        try store.grant(.dataAccessAdministrator, toUser: 1001, at: "/vaults/vault1")
        try store.engine.access.createPrincipal(named: "app", kind: .user, unixID: 1002, as: Self.owner)
        let daa = TestStore.user(1001)
        let e = store.engine
        let a = try e.access.assign(principal: "app", role: .secretsUser, scope: Scope(vault: "vault1"), as: daa)
        #expect(vaultError { _ = try e.access.assign(principal: "app", role: .certificateUser, scope: Scope(vault: "vault1"), as: daa) }?.reason == .roleNotDelegable)
        #expect(vaultError { _ = try e.access.assign(principal: "app", role: .cryptoServiceReleaseUser, scope: Scope(vault: "vault1"), as: daa) }?.reason == .roleNotDelegable)
        #expect(vaultError { _ = try e.access.assign(principal: "app", role: .dataAccessAdministrator, scope: Scope(vault: "vault1"), as: daa) }?.reason == .roleNotDelegable)
        #expect(code { _ = try e.access.assign(principal: "app", role: .secretsUser, scope: Scope(vault: "vault2"), as: daa) } == .accessDenied)
        // It has no data access itself.
        #expect(code { _ = try e.objects(.secret).list(vault: "vault1", as: daa) } == .accessDenied)
        try e.access.removeAssignment(id: a.id, as: daa)
        #expect(try e.access.assignments(principal: "app", as: Self.owner).isEmpty)
    }
}
