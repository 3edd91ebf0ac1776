import Foundation
import Testing
import VaultEngine

@Suite("Audit")
struct AuditTests {
    static let owner = TestStore.owner
    static let seeder = TestStore.seeder
    static let marker = "SECRET-MARKER-6f1d2c"

    /// An operation, the operationName it must record, and whether it is expected to succeed.
    struct Case: Sendable, CustomTestStringConvertible {
        var operation: String
        var succeeds: Bool
        var caller: Caller
        var run: @Sendable (VaultEngine) throws -> Void
        var testDescription: String { "\(operation) \(succeeds ? "allowed" : "denied")" }
    }

    static let app = Caller(uid: 1001, gid: 1001, groups: [10, 20], pid: 31337, executable: "/usr/bin/app")
    static let stranger = Caller(uid: 1002, gid: 1002, pid: 4444)

    static let cases: [Case] = [
        Case(operation: "SecretSet", succeeds: true, caller: app) { _ = try $0.secrets.set(vault: "vault1", name: "db", value: Array(marker.utf8), as: app) },
        Case(operation: "SecretSet", succeeds: false, caller: stranger) { _ = try $0.secrets.set(vault: "vault1", name: "db", value: Array(marker.utf8), as: stranger) },
        Case(operation: "SecretGet", succeeds: true, caller: app) { _ = try $0.secrets.get(vault: "vault1", name: "db", as: app) },
        Case(operation: "SecretGet", succeeds: false, caller: stranger) { _ = try $0.secrets.get(vault: "vault1", name: "db", as: stranger) },
        Case(operation: "SecretList", succeeds: true, caller: app) { _ = try $0.objects(.secret).list(vault: "vault1", as: app) },
        Case(operation: "SecretListVersions", succeeds: true, caller: app) { _ = try $0.objects(.secret).versions(vault: "vault1", name: "db", as: app) },
        Case(operation: "SecretUpdate", succeeds: true, caller: app) { _ = try $0.objects(.secret).update(vault: "vault1", name: "db", AttributeUpdate(tags: ["k": "v"]), as: app) },
        Case(operation: "SecretDelete", succeeds: true, caller: app) { _ = try $0.objects(.secret).delete(vault: "vault1", name: "db", as: app) },
        Case(operation: "SecretListDeleted", succeeds: true, caller: app) { _ = try $0.objects(.secret).listDeleted(vault: "vault1", as: app) },
        Case(operation: "SecretGetDeleted", succeeds: true, caller: app) { _ = try $0.objects(.secret).deleted(vault: "vault1", name: "gone", as: app) },
        Case(operation: "SecretRecover", succeeds: true, caller: app) { _ = try $0.objects(.secret).recover(vault: "vault1", name: "gone", as: app) },
        Case(operation: "SecretPurge", succeeds: true, caller: app) { try $0.objects(.secret).purge(vault: "vault1", name: "gone", as: app) },
        Case(operation: "SecretPurge", succeeds: false, caller: stranger) { try $0.objects(.secret).purge(vault: "vault1", name: "gone", as: stranger) },
        Case(operation: "VaultPut", succeeds: true, caller: owner) { _ = try $0.vaults.create(named: "vault9", as: owner) },
        Case(operation: "VaultPut", succeeds: false, caller: stranger) { _ = try $0.vaults.create(named: "vault9", as: stranger) },
        Case(operation: "VaultGet", succeeds: true, caller: app) { _ = try $0.vaults.show(named: "vault1", as: app) },
        Case(operation: "VaultGet", succeeds: false, caller: stranger) { _ = try $0.vaults.show(named: "vault1", as: stranger) },
        Case(operation: "VaultList", succeeds: true, caller: owner) { _ = try $0.vaults.list(as: owner) },
        Case(operation: "VaultPatch", succeeds: true, caller: owner) { _ = try $0.vaults.update(named: "vault1", VaultUpdate(sku: .premium), as: owner) },
        Case(operation: "VaultPatch", succeeds: false, caller: stranger) { _ = try $0.vaults.update(named: "vault1", VaultUpdate(sku: .premium), as: stranger) },
        Case(operation: "VaultDelete", succeeds: true, caller: owner) { _ = try $0.vaults.delete(named: "vault1", as: owner) },
        Case(operation: "VaultDelete", succeeds: false, caller: stranger) { _ = try $0.vaults.delete(named: "vault1", as: stranger) },
        Case(operation: "PrincipalCreate", succeeds: true, caller: owner) { _ = try $0.access.createPrincipal(named: "bob", kind: .user, unixID: 1003, as: owner) },
        Case(operation: "PrincipalCreate", succeeds: false, caller: stranger) { _ = try $0.access.createPrincipal(named: "bob", kind: .user, unixID: 1003, as: stranger) },
        Case(operation: "RoleAssignmentCreate", succeeds: true, caller: owner) {
            _ = try $0.access.assign(principal: "app", role: .reader, scope: Scope(vault: "vault1"), as: owner)
        },
        Case(operation: "RoleAssignmentCreate", succeeds: false, caller: stranger) {
            _ = try $0.access.assign(principal: "app", role: .reader, scope: Scope(vault: "vault1"), as: stranger)
        },
    ]

    /// vault1 with `db` and the soft-deleted `gone`; `app` (uid 1001) holds Secrets Officer there.
    static func fixture() throws -> (TestStore, RoleAssignment) {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", marker + "-v1")
        try store.seed("gone", marker + "-gone")
        try store.engine.objects(.secret).delete(vault: "vault1", name: "gone", as: seeder)
        try store.engine.access.createPrincipal(named: "app", kind: .user, unixID: app.uid, as: owner)
        let a = try store.engine.access.assign(principal: "app", role: .secretsOfficer, scope: Scope(vault: "vault1"), as: owner)
        return (store, a)
    }

    @Test("Every operation, allowed or denied, appends one line that says who, what and why", arguments: cases)
    func oneLinePerOperation(c: Case) throws {
        let (store, assignment) = try Self.fixture()
        let before = try store.auditCount()
        store.clock.advance(by: 1.5)
        let result = code { try c.run(store.engine) }
        #expect((result == nil) == c.succeeds, "\(String(describing: result))")
        let lines = try store.engine.audit.records(as: Self.owner)
        #expect(lines.count == before + 1)
        let line = try decodeAudit(try #require(lines.last))
        #expect(line.operationName == c.operation)
        #expect(line.caller.uid == c.caller.uid)
        #expect(line.caller.gid == c.caller.gid)
        #expect(line.caller.pid == c.caller.pid)
        #expect(line.caller.executable == c.caller.executable)
        #expect(line.time == "2025-06-15T15:06:41.500Z")
        #expect(line.seq == Int64(before + 1))
        if c.succeeds {
            #expect(line.resultType == "Success")
            #expect(line.resultSignature == nil)
            if c.caller == Self.app {
                #expect(line.principal == "app")
                #expect(line.appliedAssignmentId == assignment.id)
                #expect(line.role == "Key Vault Secrets Officer")
            }
        } else {
            #expect(line.resultType == "Failure")
            #expect(line.principal == nil)
            #expect(line.appliedAssignmentId == nil)
            #expect(line.resultSignature == "ForbiddenByRbac" || line.resultSignature == "AuthorizationFailed")
            #expect(line.resultDescription?.isEmpty == false, "a denial must record its reason")
        }
        for raw in lines { #expect(!raw.contains(Self.marker), "a secret value reached the audit log") }
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact)
    }

    @Test("A data-plane line names the vault, collection, object and version")
    func objectFields() throws {
        let (store, assignment) = try Self.fixture()
        let p = try store.engine.secrets.set(vault: "vault1", name: "db", value: [1, 2], as: Self.app)
        _ = try store.engine.secrets.get(vault: "vault1", name: "DB", as: Self.app)
        let lines = try store.auditLog()
        let set = lines[lines.count - 2], get = lines[lines.count - 1]
        for line in [set, get] {
            #expect(line.vault == "vault1")
            #expect(line.collection == "secrets")
            #expect(line.version == p.version)
            #expect(line.appliedAssignmentId == assignment.id)
        }
        #expect(set.object == "db")
        #expect(get.object == "DB")
    }

    @Test("A denied data-plane request records the RBAC reason")
    func deniedReason() throws {
        let (store, _) = try Self.fixture()
        try store.grant(.reader, toUser: 1002, at: "/vaults/vault1")
        _ = code { _ = try store.engine.secrets.get(vault: "vault1", name: "db", as: Self.stranger) }
        let line = try #require(try store.auditLog().last)
        #expect(line.resultSignature == "ForbiddenByRbac")
        #expect(line.resultDescription?.contains("DeniedWithNoValidRBAC") == true)
        #expect(line.resultDescription?.contains("secrets/getSecret/action") == true)
    }

    @Test("A failed but allowed request records the applied assignment and the failure")
    func failedAfterAllow() throws {
        let (store, assignment) = try Self.fixture()
        _ = code { _ = try store.engine.secrets.get(vault: "vault1", name: "missing", as: Self.app) }
        let line = try #require(try store.auditLog().last)
        #expect(line.resultType == "Failure")
        #expect(line.resultSignature == "SecretNotFound")
        #expect(line.appliedAssignmentId == assignment.id)
        #expect(line.resultDescription?.contains("missing") == true)
    }

    @Test("No secret value appears in any audit line, whatever happens to it")
    func noValues() throws {
        let (store, _) = try Self.fixture()
        let e = store.engine
        let big = Array((Self.marker + String(repeating: "x", count: 25_600)).utf8)
        _ = code { _ = try e.secrets.set(vault: "vault1", name: "big", value: big, as: Self.app) }
        _ = code { _ = try e.secrets.set(vault: "vault1", name: "bad name", value: Array(Self.marker.utf8), as: Self.app) }
        _ = code { _ = try e.secrets.set(vault: "vault1", name: "gone", value: Array(Self.marker.utf8), as: Self.app) }
        try e.secrets.set(vault: "vault1", name: "off", value: Array(Self.marker.utf8), attributes: NewVersionAttributes(enabled: false), as: Self.app)
        _ = code { _ = try e.secrets.get(vault: "vault1", name: "off", as: Self.app) }
        _ = try e.secrets.get(vault: "vault1", name: "db", as: Self.app)
        let lines = try e.audit.records(as: Self.owner)
        #expect(lines.count > 10)
        for line in lines { #expect(!line.contains(Self.marker)) }
    }

    @Test("auditRecords filters by vault and time")
    func filters() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.makeVault("vault2")
        try store.seed("a", "1")
        store.clock.advance(days: 1)
        let cut = store.clock.now()
        try store.seed("b", "2", in: "VAULT2")
        try store.seed("c", "3")
        store.clock.advance(by: 0.25)
        try store.seed("d", "4")
        let all = try store.auditLog()
        let v1 = try store.auditLog(vault: "Vault1")
        #expect(!v1.isEmpty)
        #expect(v1.allSatisfy { $0.vault?.lowercased() == "vault1" })
        #expect(v1.count == all.filter { $0.vault?.lowercased() == "vault1" }.count)
        #expect(try store.auditLog(vault: "vault2").map(\.object) == [nil, nil, "b"])
        let recent = try store.auditLog(since: cut)
        #expect(recent.map(\.object) == ["b", "c", "d"])
        #expect(try store.auditLog(vault: "vault1", since: cut).map(\.object) == ["c", "d"])
        #expect(try store.auditLog(since: cut.addingTimeInterval(0.1)).map(\.object) == ["d"])
        #expect(try store.auditLog(since: store.clock.now().addingTimeInterval(1)).isEmpty)
        #expect(try store.auditLog(vault: "nosuch").isEmpty)
        // Lines come in order, numbered from 1.
        #expect(all.map(\.seq) == Array(1...Int64(all.count)))
    }

    // MARK: tamper detection

    /// A store with a dozen audit lines.
    static func tamperFixture() throws -> TestStore {
        let store = try TestStore()
        try store.makeVault()
        for i in 0..<4 { try store.seed("s\(i)", "v\(i)") }
        _ = code { _ = try store.engine.secrets.get(vault: "vault1", name: "s0", as: stranger) }
        let verification = try store.engine.audit.verify(as: owner)
        #expect(verification.isIntact)
        #expect(verification.lines == Int64(try store.auditCount()))
        return store
    }

    @Test("verifyAudit detects an edited line", .enabled(if: SQLiteCLI.isInstalled))
    func edited() throws {
        let store = try Self.tamperFixture()
        try store.sql("UPDATE audit SET line = replace(line, '\"resultType\":\"Failure\"', '\"resultType\":\"Success\"') WHERE line LIKE '%Failure%'")
        #expect(try store.sql("SELECT count(*) FROM audit WHERE line LIKE '%Failure%'") == "0")
        let result = try store.engine.audit.verify(as: Self.owner)
        #expect(!result.isIntact)
        #expect(result.problem?.contains("line") == true)
    }

    @Test("verifyAudit detects an edit that also recomputes nothing but the stored MAC column", .enabled(if: SQLiteCLI.isInstalled))
    func editedWithMacColumn() throws {
        let store = try Self.tamperFixture()
        try store.sql("UPDATE audit SET line = replace(line, 'Success', 'Failure'), mac = '\(String(repeating: "0", count: 64))' WHERE seq = 3")
        #expect(try !store.engine.audit.verify(as: Self.owner).isIntact)
    }

    @Test("verifyAudit detects a removed middle line", .enabled(if: SQLiteCLI.isInstalled))
    func removedMiddle() throws {
        let store = try Self.tamperFixture()
        try store.sql("DELETE FROM audit WHERE seq = 4")
        let result = try store.engine.audit.verify(as: Self.owner)
        #expect(!result.isIntact)
        #expect(result.lines == 3)
    }

    @Test("verifyAudit detects a removed middle line even when later lines are renumbered", .enabled(if: SQLiteCLI.isInstalled))
    func removedMiddleRenumbered() throws {
        let store = try Self.tamperFixture()
        try store.sql("DELETE FROM audit WHERE seq = 4; UPDATE audit SET seq = seq - 1 WHERE seq > 4;")
        #expect(try !store.engine.audit.verify(as: Self.owner).isIntact)
    }

    @Test("verifyAudit detects a removed last line", .enabled(if: SQLiteCLI.isInstalled))
    func removedLast() throws {
        let store = try Self.tamperFixture()
        let count = try store.auditCount()
        try store.sql("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
        let result = try store.engine.audit.verify(as: Self.owner)
        #expect(!result.isIntact)
        #expect(result.lines == Int64(count - 1))
    }

    @Test("verifyAudit detects a removed last line even when the recorded head is rolled back to the new last line",
          .enabled(if: SQLiteCLI.isInstalled))
    func removedLastWithHeadRewritten() throws {
        let store = try Self.tamperFixture()
        // Everything an attacker needs is in the database itself: the previous line's seq and MAC.
        try store.sql("""
            DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit);
            UPDATE meta SET value = (SELECT seq || ':' || mac FROM audit ORDER BY seq DESC LIMIT 1) WHERE key = 'audit_head';
            """)
        let result = try store.engine.audit.verify(as: Self.owner)
        #expect(!result.isIntact, "truncation went unnoticed: the audit head is not authenticated")
    }

    @Test("verifyAudit detects a swapped pair of lines", .enabled(if: SQLiteCLI.isInstalled))
    func swappedPair() throws {
        let store = try Self.tamperFixture()
        try store.sql("""
            BEGIN;
            UPDATE audit SET seq = -1 WHERE seq = 3;
            UPDATE audit SET seq = 3 WHERE seq = 4;
            UPDATE audit SET seq = 4 WHERE seq = -1;
            COMMIT;
            """)
        let result = try store.engine.audit.verify(as: Self.owner)
        #expect(!result.isIntact)
        #expect(result.lines == 2)
    }

    @Test("verifyAudit detects a forged line appended at the end", .enabled(if: SQLiteCLI.isInstalled))
    func forgedAppend() throws {
        let store = try Self.tamperFixture()
        try store.sql("""
            INSERT INTO audit(seq, line, mac) SELECT seq + 1, replace(line, '"seq":' || seq, '"seq":' || (seq + 1)), mac
            FROM audit WHERE seq = (SELECT max(seq) FROM audit);
            """)
        #expect(try !store.engine.audit.verify(as: Self.owner).isIntact)
    }

    @Test("An intact log keeps verifying as it grows, across engines")
    func keepsVerifying() throws {
        let store = try Self.tamperFixture()
        let other = try store.openAnotherEngine()
        try other.secrets.set(vault: "vault1", name: "x", value: [1], as: Self.seeder)
        let verification = try store.engine.audit.verify(as: Self.owner)
        #expect(verification.isIntact)
        #expect(verification.lines == Int64(try store.auditCount()))
    }

    @Test("Audit lines are JSON with Azure's field names and a trailing MAC")
    func lineShape() throws {
        let store = try Self.tamperFixture()
        let raw = try #require(try store.engine.audit.records(as: Self.owner).last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
        for key in ["seq", "time", "operationName", "resultType", "caller", "prev", "mac"] {
            #expect(object[key] != nil, "\(key)")
        }
        #expect((object["mac"] as? String)?.count == 64)
        #expect(!raw.contains("\n"))
    }
}
