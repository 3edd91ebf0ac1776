import Foundation
import Testing
@testable import VaultEngine

/// kvfs's Key Vault Audit Reader: it reads and verifies the audit log without owning the store, at the store
/// scope (every line) or a vault scope (that vault's lines), and grants nothing else.
@Suite("Audit readers")
struct AuditReaderTests {
    static let owner = TestStore.owner
    static let storeAuditor = TestStore.user(3101)
    static let vaultAuditor = TestStore.user(3102)
    static let officer = TestStore.user(3103)
    static let nobody = TestStore.user(3104)

    /// Two vaults with a secret each, both auditors, and a Secrets Officer on vault1.
    static func fixture() throws -> TestStore {
        let store = try TestStore()
        try store.makeVault("vault1")
        try store.makeVault("vault2")
        try store.seed("a", "alpha", in: "vault1")
        try store.seed("b", "beta", in: "vault2")
        try store.grant(.auditReader, toUser: storeAuditor.uid, at: "/")
        try store.grant(.auditReader, toUser: vaultAuditor.uid, at: "/vaults/vault2")
        try store.grant(.secretsOfficer, toUser: officer.uid, at: "/vaults/vault1")
        try store.engine.flushAudit()
        return store
    }

    @Test("Who reads the audit log: the owner and a store-scope reader all of it, a vault-scope reader its vault's lines, no one else")
    func readTable() throws {
        let store = try Self.fixture()
        let all = try store.engine.audit.records(as: Self.owner)
        let asStore = try store.engine.audit.records(as: Self.storeAuditor)
        #expect(asStore.count >= all.count)
        #expect(Array(asStore.prefix(all.count)) == all)
        let asVault = try store.engine.audit.records(as: Self.vaultAuditor).map(decodeAudit)
        #expect(!asVault.isEmpty)
        #expect(asVault.allSatisfy { $0.vault == "vault2" })
        #expect(asVault.contains { $0.operationName == "SecretSet" && $0.object == "b" })
        // Asking for another vault's lines is refused, not answered empty.
        #expect(vaultError { _ = try store.engine.audit.records(vault: "vault1", as: Self.vaultAuditor) }?.reason == .managementDenied)
        #expect(vaultError { _ = try store.engine.audit.records(as: Self.officer) }?.reason == .managementDenied)
        #expect(vaultError { _ = try store.engine.audit.records(as: Self.nobody) }?.reason == .managementDenied)
        #expect(vaultError { _ = try store.engine.audit.verify(as: Self.officer) }?.reason == .managementDenied)
        #expect(vaultError { _ = try store.engine.audit.verify(as: Self.nobody) }?.reason == .managementDenied)
    }

    @Test("The audit reader grants no data access and no management right")
    func grantsNothingElse() throws {
        let store = try Self.fixture()
        #expect(vaultError { _ = try store.engine.secrets.get(vault: "vault2", name: "b", as: Self.vaultAuditor) }?.reason == .accessDenied)
        #expect(vaultError { _ = try store.engine.secrets.get(vault: "vault1", name: "a", as: Self.storeAuditor) }?.reason == .accessDenied)
        #expect(vaultError { _ = try store.engine.objects(.secret).list(vault: "vault2", as: Self.vaultAuditor) }?.reason == .accessDenied)
        #expect(vaultError { try store.engine.access.assign(principal: "u3104", role: .reader, scope: Scope(vault: "vault2"), as: Self.storeAuditor) } != nil)
        #expect(vaultError { _ = try store.engine.audit.prune(before: TestStore.start.addingTimeInterval(3600), as: Self.storeAuditor) }?.reason == .managementDenied)
        #expect(vaultError { _ = try store.engine.audit.checkpoint(as: Self.storeAuditor) }?.reason == .managementDenied)
    }

    @Test("An auditor's reads are themselves audited, refusals too")
    func readsAreAudited() throws {
        let store = try Self.fixture()
        _ = try store.engine.audit.records(as: Self.vaultAuditor)
        _ = vaultError { _ = try store.engine.audit.records(as: Self.nobody) }
        try store.engine.flushAudit()
        let reads = try store.auditLog().filter { $0.operationName == "AuditLogRead" }
        #expect(reads.contains { $0.caller.uid == Self.vaultAuditor.uid && $0.resultType == "Success" && $0.role == BuiltInRole.auditReader.name })
        #expect(reads.contains { $0.caller.uid == Self.nobody.uid && $0.resultType == "Failure" && $0.resultSignature == "AuthorizationFailed" })
    }

    @Test("Filters: principal, operation, result and time")
    func filters() throws {
        let store = try Self.fixture()
        _ = vaultError { _ = try store.engine.secrets.get(vault: "vault1", name: "a", as: Self.nobody) }
        store.clock.advance(by: 600)
        try store.seed("c", "gamma", in: "vault1")
        try store.engine.flushAudit()
        let failures = try store.engine.audit.records(matching: AuditFilter(result: "failure"), as: Self.storeAuditor).map(decodeAudit)
        #expect(!failures.isEmpty && failures.allSatisfy { $0.resultType == "Failure" })
        #expect(failures.contains { $0.caller.uid == Self.nobody.uid && $0.operationName == "SecretGet" })
        let sets = try store.engine.audit.records(matching: AuditFilter(principal: "SEEDER", operation: "secretset"), as: Self.owner).map(decodeAudit)
        #expect(sets.map(\.object) == ["a", "b", "c"])
        let later = try store.engine.audit.records(matching: AuditFilter(since: TestStore.start.addingTimeInterval(300)), as: Self.owner).map(decodeAudit)
        #expect(later.map(\.object).contains("c") && !later.contains { $0.object == "a" })
        let earlier = try store.engine.audit.records(matching: AuditFilter(operation: "SecretSet", until: TestStore.start.addingTimeInterval(300)), as: Self.owner).map(decodeAudit)
        #expect(earlier.map(\.object) == ["a", "b"])
    }

    @Test("A vault-scope reader's verify walks the whole chain but reports only its vault's count, and where it broke to no one but store-wide auditors")
    func vaultScopedVerify() throws {
        let store = try Self.fixture()
        let whole = try store.engine.audit.verify(as: Self.owner)
        #expect(whole.isIntact && whole.vaults == nil)
        let mine = try store.engine.audit.verify(as: Self.vaultAuditor)
        #expect(mine.isIntact)
        #expect(mine.vaults == ["vault2"])
        let vault2Lines = try store.engine.audit.records(vault: "vault2", as: Self.owner).count
        #expect(mine.lines == Int64(vault2Lines))
        #expect(try store.engine.audit.verify(as: Self.storeAuditor).isIntact)
    }

    @Test("A tampered line of another vault breaks a vault-scope reader's verify, without saying where", .enabled(if: SQLiteCLI.isInstalled))
    func vaultScopedVerifySeesTampering() throws {
        let store = try Self.fixture()
        let first = try #require(try store.engine.audit.records(vault: "vault1", as: Self.owner).first.map(decodeAudit))
        try store.sql("UPDATE audit SET line = replace(line, '\"vault1\"', '\"vaultX\"') WHERE seq = \(first.seq)")
        let mine = try store.engine.audit.verify(as: Self.vaultAuditor)
        #expect(!mine.isIntact)
        #expect(mine.problem?.contains("\(first.seq)") == false)
        let whole = try store.engine.audit.verify(as: Self.storeAuditor)
        #expect(whole.problem?.contains("line \(first.seq)") == true)
    }

    @Test("Assignment rules: the store scope takes only the audit reader; the audit reader takes no object scope")
    func scopeRules() throws {
        let store = try Self.fixture()
        try store.engine.access.createPrincipal(named: "p", kind: .user, unixID: 3150, as: Self.owner)
        #expect(vaultError { try store.engine.access.assign(principal: "p", role: .secretsUser, scope: .store, as: Self.owner) }?.reason == .invalidArgument)
        #expect(vaultError { try store.engine.access.assign(principal: "p", role: .auditReader, scope: try Scope(parsing: "/vaults/vault1/secrets/a"), as: Self.owner) }?.reason == .invalidArgument)
        let made = try store.engine.access.assign(principal: "p", role: .auditReader, scope: try Scope(parsing: "/"), as: Self.owner)
        #expect(made.scope.isStore && made.scope.description == "/")
        // It survives a reopen (the scope is stored as "/").
        let other = try store.openAnotherEngine()
        #expect(try other.access.assignments(principal: "p", as: Self.owner).map(\.scope) == [.store])
        #expect(BuiltInRole.named("Key Vault Audit Reader") == .auditReader && !BuiltInRole.auditReader.isAzureBuiltIn)
        #expect(!BuiltInRole.delegable.contains(.auditReader))
    }
}

/// `kvfs audit prune`: old lines leave only behind a signed checkpoint of the chain at the cut, and the chain
/// stays verifiable from there.
@Suite("Audit pruning")
struct AuditPruneTests {
    static let owner = TestStore.owner

    /// Lines in two periods: three secrets at the start, three more an hour later.
    static func fixture() throws -> TestStore {
        let store = try TestStore()
        try store.makeVault()
        for i in 0..<3 { try store.seed("old\(i)", "v\(i)") }
        store.clock.advance(by: 3600)
        for i in 0..<3 { try store.seed("new\(i)", "v\(i)") }
        try store.engine.flushAudit()
        return store
    }

    static var cut: Date { TestStore.start.addingTimeInterval(1800) }

    @Test("Prune removes the lines before the cut, keeps a signed checkpoint of the last of them, and verify reports the range")
    func pruneAndVerify() throws {
        let store = try Self.fixture()
        let before = try store.auditLog()
        let old = before.filter { $0.time < AuditChain.timestamp(Self.cut) }
        let pruned = try #require(try store.engine.audit.prune(before: Self.cut, as: Self.owner))
        #expect(pruned.throughLine == old.last?.seq)
        #expect(pruned.checkpoint.seq == pruned.throughLine)
        #expect(pruned.checkpoint.isSigned(by: try store.engine.audit.checkpointKey(as: Self.owner)))
        let after = try store.auditLog()
        #expect(after.first?.seq == pruned.throughLine + 1)
        #expect(!after.contains { $0.object?.hasPrefix("old") == true })
        #expect(after.contains { $0.operationName == "AuditLogPrune" && $0.resultType == "Success" })
        let verified = try store.engine.audit.verify(as: Self.owner)
        #expect(verified.isIntact, "\(verified)")
        #expect(verified.firstLine == pruned.throughLine + 1)
        #expect(verified.pruned?.throughLine == pruned.throughLine)
        #expect(verified.pruned?.before == AuditChain.timestamp(Self.cut))
        // Checkpoints kept from before the prune still verify: those of pruned lines are passed over.
        #expect(try store.engine.audit.verify(against: [pruned.checkpoint], as: Self.owner).isIntact)
    }

    @Test("A checkpoint kept before pruning still checks the lines it vouches for after the cut")
    func oldCheckpointAfterPrune() throws {
        let store = try Self.fixture()
        let kept = try store.engine.audit.checkpoint(as: Self.owner)
        try store.engine.audit.prune(before: Self.cut, as: Self.owner)
        let result = try store.engine.audit.verify(against: [kept], as: Self.owner)
        #expect(result.isIntact, "\(result)")
    }

    @Test("Nothing older than the cut prunes nothing; the newest line is always kept")
    func edges() throws {
        let store = try Self.fixture()
        #expect(try store.engine.audit.prune(before: TestStore.start.addingTimeInterval(-60), as: Self.owner) == nil)
        let count = try store.auditCount()
        let pruned = try #require(try store.engine.audit.prune(before: TestStore.start.addingTimeInterval(86_400), as: Self.owner))
        let after = try store.auditLog()
        #expect(after.count >= 1 && after.count < count)
        #expect(after.first?.seq == pruned.throughLine + 1)
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact)
        // Pruning again moves the cut on and stays verifiable.
        store.clock.advance(by: 7200)
        try store.seed("later", "v")
        try store.engine.flushAudit()
        let again = try #require(try store.engine.audit.prune(before: TestStore.start.addingTimeInterval(86_400), as: Self.owner))
        #expect(again.throughLine > pruned.throughLine)
        let verified = try store.engine.audit.verify(as: Self.owner)
        #expect(verified.isIntact && verified.pruned?.throughLine == again.throughLine)
    }

    @Test("Lines removed from the start without a prune, or a forged prune record, are detected", .enabled(if: SQLiteCLI.isInstalled))
    func tamperingDetected() throws {
        let store = try Self.fixture()
        try store.sql("DELETE FROM audit WHERE seq <= 2")
        #expect(try store.engine.audit.verify(as: Self.owner).problem?.contains("line 1 is missing") == true)

        let pruned = try Self.fixture()
        let made = try #require(try pruned.engine.audit.prune(before: Self.cut, as: Self.owner))
        // Moving the recorded cut (to hide more lines) breaks its signature.
        var forged = made.checkpoint
        forged.seq += 1
        try pruned.sql("UPDATE meta SET value = '\(forged.line)' WHERE key = 'audit_base'")
        let result = try pruned.engine.audit.verify(as: Self.owner)
        #expect(result.problem?.contains("not signed by this store's checkpoint key") == true, "\(result)")
        // Prune refuses to go on from a bad record.
        #expect(vaultError { _ = try pruned.engine.audit.prune(before: Self.cut, as: Self.owner) }?.reason == .corrupted)
    }
}
