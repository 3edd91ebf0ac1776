import Foundation
import Testing
@testable import VaultEngine

/// The store's change feed: every committed change, from any engine on the store, numbered in commit order,
/// and a listener that wakes on commits without reading the database.
@Suite struct ChangeFeedTests {
    /// The distinct (vault, kind, name) of a page, in order of first appearance.
    static func touched(_ page: StoreChangePage) -> [String] {
        var seen: [String] = []
        for change in page.changes {
            let label = [change.vault, change.kind?.rawValue ?? "-", change.name ?? "-"].joined(separator: "/")
            if !seen.contains(label) { seen.append(label) }
        }
        return seen
    }

    @Test func everyChangeIsInTheFeedInCommitOrder() throws {
        let store = try TestStore()
        try store.makeVault()
        let start = try store.engine.changes.latest()
        #expect(start > 0, "creating the vault is a change")

        try store.seed("db", "one")
        let afterSet = try store.engine.changes.changes(after: start)
        #expect(Self.touched(afterSet) == ["vault1/secret/db"])
        #expect(afterSet.changes.map(\.sequence) == afterSet.changes.map(\.sequence).sorted())
        #expect(afterSet.latest == afterSet.changes.last?.sequence && !afterSet.gap && !afterSet.hasMore)

        // A second engine on the store (the CLI next to a mount) writes; the first engine's feed shows it.
        let other = try store.openAnotherEngine()
        _ = try other.secrets.set(vault: "vault1", name: "api", value: Array("k".utf8), as: TestStore.seeder)
        _ = try other.objects(.secret).update(vault: "vault1", name: "db", AttributeUpdate(enabled: false), as: TestStore.seeder)
        _ = try other.objects(.secret).delete(vault: "vault1", name: "api", as: TestStore.seeder)
        let later = try store.engine.changes.changes(after: afterSet.latest)
        #expect(Self.touched(later) == ["vault1/secret/api", "vault1/secret/db"], "\(later.changes)")
        #expect(later.changes.first!.sequence > afterSet.latest)
        #expect(later.changes.last!.name == "api", "the delete comes last")

        // Reads and refusals change nothing, so they add nothing.
        _ = try store.engine.objects(.secret).versions(vault: "vault1", name: "db", as: TestStore.seeder)
        #expect(throws: VaultError(.accessDenied, "")) {
            _ = try store.engine.secrets.set(vault: "vault1", name: "db", value: [1], as: TestStore.user(7777))
        }
        try store.engine.flushAudit()
        #expect(try store.engine.changes.changes(after: later.latest).changes.isEmpty)
        #expect(try store.engine.changes.latest() == later.latest)

        // Limits page through the feed.
        let first = try store.engine.changes.changes(after: start, limit: 1)
        #expect(first.changes.count == 1 && first.hasMore)
    }

    @Test func aFailedChangeLeavesNoRow() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "one")
        let before = try store.engine.changes.latest()
        // Too large: refused inside the operation, nothing committed.
        #expect(throws: VaultError(.tooLarge, "")) {
            _ = try store.engine.secrets.set(vault: "vault1", name: "db", value: [UInt8](repeating: 1, count: 26 * 1024), as: TestStore.seeder)
        }
        #expect(try store.engine.changes.latest() == before)
        #expect(try store.engine.changes.changes(after: before).changes.isEmpty)
    }

    @Test func theFeedKeepsItsNewestRowsAndReportsAGap() throws {
        let store = try TestStore()
        try store.makeVault()
        // Stand in for a long-lived store: push the feed past its retention in one statement.
        try store.sql("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(Schema.changeFeedRetention + 2048))
            INSERT INTO changes(vault, kind, name) SELECT 'vault1', 'secret', 'bulk' FROM n;
            """)
        let latest = try store.engine.changes.latest()
        let kept = Int(try store.sql("SELECT COUNT(*) FROM changes")) ?? 0
        #expect(kept >= Schema.changeFeedRetention && kept < Schema.changeFeedRetention + 1024)
        #expect(try store.engine.changes.changes(after: 0).gap, "a reader from 0 missed pruned rows")
        #expect(try !store.engine.changes.changes(after: latest - 10).gap)
    }

    @Test func theListenerWakesOnACommitByAnotherEngine() throws {
        let store = try TestStore()
        try store.makeVault()
        let listener = try store.engine.changes.listen()
        #expect(listener.wait(timeout: 0.05) == false, "nothing was written")
        let other = try store.openAnotherEngine()
        let written = Date()
        _ = try other.secrets.set(vault: "vault1", name: "db", value: Array("v".utf8), as: TestStore.seeder)
        #expect(listener.wait(timeout: 5), "no wake after a commit")
        #expect(Date().timeIntervalSince(written) < 1)
        // Every event so far was drained by the one wake.
        #expect(listener.wait(timeout: 0.05) == false)
        // close() ends a wait at once.
        let closing = Thread { usleep(50_000); listener.close() }
        closing.start()
        let began = Date()
        #expect(listener.wait(timeout: 10) == false)
        #expect(Date().timeIntervalSince(began) < 5)
    }

    /// A batch whose caller is interrupted stops between two operations: the ones run are audited, the rest
    /// are neither run nor audited.
    @Test func anInterruptedBatchStopsBetweenOperations() throws {
        let store = try TestStore()
        try store.makeVault()
        _ = try store.engine.keys.create(vault: "vault1", name: "k", KeyCreateOptions(.ec(.p256)), as: TestStore.seeder)
        let digest = [UInt8](repeating: 7, count: 32)
        let batch = Array(repeating: KeyOperationRequest(op: .sign, alg: "ES256", value: digest), count: 10)
        var asked = 0
        #expect(throws: VaultError(.interrupted, "")) {
            _ = try store.engine.keys.perform(batch, vault: "vault1", name: "k", as: TestStore.seeder, unless: {
                asked += 1
                return asked > 3
            })
        }
        try store.engine.flushAudit()
        let signs = try store.auditLog(vault: "vault1").filter { $0.operationName == "KeySign" }
        // The batch's lines fold into one with a count.
        #expect(signs.reduce(0) { $0 + Int($1.count ?? 1) } == 3)
        let all = try store.engine.keys.perform(batch, vault: "vault1", name: "k", as: TestStore.seeder, unless: { false })
        #expect(all.count == 10)
    }
}
