import Foundation
import Testing
@testable import VaultEngine

/// Identical audit lines of one caller fold into one line with a count; the counts add up to the requests.
@Suite("Audit aggregation")
struct AuditAggregationTests {
    static let owner = TestStore.owner

    @Test func identicalRefusalsOfACallerWithoutPrincipalFoldIntoOneCountedLine() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "value")
        // A window longer than the loop, and pids of live processes (a line is written once they all exit).
        store.engine.audit.aggregationWindow = 600
        let before = try store.auditCount()
        let stranger = Caller(uid: 7777, gid: 7777, pid: getpid(), executable: "/usr/bin/loop")
        for _ in 0..<500 {
            #expect(throws: VaultError.self) { try store.engine.secrets.get(vault: "vault1", name: "db", as: stranger) }
        }
        store.clock.advance(by: 0.25)
        // Another process of the same program asks too: same line, its pid named.
        let sibling = Caller(uid: 7777, gid: 7777, pid: 1, executable: "/usr/bin/loop")
        #expect(throws: VaultError.self) { try store.engine.secrets.get(vault: "vault1", name: "db", as: sibling) }
        let lines = try store.auditLog()
        #expect(lines.count == before + 1)
        let line = try #require(lines.last)
        #expect(line.caller.uid == 7777 && line.caller.pid == getpid())
        #expect(line.resultSignature == "ForbiddenByRbac" && line.operationName == "SecretGet")
        #expect(line.count == 501)
        #expect(line.otherPids == [1])
        #expect(line.lastTime != nil && line.lastTime! > line.time)
        #expect(try store.engine.audit.verify(as: Self.owner).isIntact)
    }

    @Test func differentCallersTargetsAndOutcomesStaySeparateLines() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "value")
        try store.seed("other", "value")
        store.engine.audit.aggregationWindow = 600
        let before = try store.auditCount()
        let a = Caller(uid: 7001, gid: 7001, pid: getpid(), executable: "/usr/bin/a")
        let b = Caller(uid: 7002, gid: 7002, pid: getpid(), executable: "/usr/bin/a")
        for _ in 0..<3 {
            _ = try? store.engine.secrets.get(vault: "vault1", name: "db", as: a)
            _ = try? store.engine.secrets.get(vault: "vault1", name: "other", as: a)
            _ = try? store.engine.secrets.get(vault: "vault1", name: "db", as: b)
        }
        _ = try store.read("db")
        let lines = try store.auditLog().dropFirst(before)
        #expect(lines.count == 4)
        #expect(lines.map { $0.count ?? 1 }.reduce(0, +) == 10)
        #expect(Set(lines.map { "\($0.caller.uid)/\($0.object ?? "")/\($0.resultType)" }).count == 4)
    }

    @Test func aChangeWritesTheLinesQueuedBeforeIt() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "value")
        store.engine.audit.aggregationWindow = 600
        let before = try store.auditCount()
        let stranger = Caller(uid: 7777, gid: 7777, pid: getpid(), executable: "/usr/bin/loop")
        for _ in 0..<3 { _ = try? store.engine.secrets.get(vault: "vault1", name: "db", as: stranger) }
        try store.seed("db", "value2")
        for _ in 0..<2 { _ = try? store.engine.secrets.get(vault: "vault1", name: "db", as: stranger) }
        let lines = Array(try store.auditLog().dropFirst(before))
        #expect(lines.map(\.operationName) == ["SecretGet", "SecretSet", "SecretGet"])
        #expect(lines.map { $0.count ?? 1 } == [3, 1, 2])
    }

    @Test func aWindowOfZeroWritesEveryRequest() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "value")
        store.engine.audit.aggregationWindow = 0
        let before = try store.auditCount()
        for _ in 0..<3 { _ = try store.read("db") }
        let lines = try store.auditLog().dropFirst(before)
        #expect(lines.count == 3 && lines.allSatisfy { $0.count == nil })
    }

    @Test func aClosedWindowStartsANewLine() throws {
        let store = try TestStore()
        try store.makeVault()
        try store.seed("db", "value")
        store.engine.audit.aggregationWindow = 0.05
        let before = try store.auditCount()
        // The seeder's principal, from this (live) process: its line waits for the window, not for an exit.
        let reader = Caller(uid: TestStore.seeder.uid, gid: TestStore.seeder.gid, pid: getpid())
        _ = try store.engine.secrets.get(vault: "vault1", name: "db", as: reader)
        _ = try store.engine.secrets.get(vault: "vault1", name: "db", as: reader)
        // The background writer closes the window once it is over; later requests open a new line.
        let deadline = Date().addingTimeInterval(5)
        while store.engine.context.auditQueue.openLineCount > 0, Date() < deadline { usleep(10_000) }
        _ = try store.engine.secrets.get(vault: "vault1", name: "db", as: reader)
        let lines = try store.auditLog().dropFirst(before)
        #expect(lines.map { $0.count ?? 1 } == [2, 1])
    }

    @Test func aKeyOperationBatchIsOneLinePerOperationAndOutcome() throws {
        let store = try TestStore()
        try store.makeVault()
        let admin = TestStore.user(6001)
        _ = try store.grant(.administrator, toUser: 6001, at: "/vaults/vault1")
        _ = try store.engine.keys.create(vault: "vault1", name: "k", KeyCreateOptions(.ec(.p256)), as: admin)
        let digest = [UInt8](repeating: 7, count: 32)
        let signature = try store.engine.keys.sign(vault: "vault1", name: "k", algorithm: .es256, digest: digest, as: admin)
        guard case .bytes(let signed) = signature.value else { Issue.record("no signature"); return }
        let before = try store.auditCount()
        var batch = Array(repeating: KeyOperationRequest(op: .verify, alg: "ES256", value: Array(signed.bytes), digest: digest), count: 1000)
        batch[500] = KeyOperationRequest(op: .verify, alg: "ES256", value: Array(signed.bytes), digest: [1, 2, 3])
        let responses = store.engine.keys.perform(batch, vault: "vault1", name: "k", as: admin)
        #expect(responses.count == 1000)
        let lines = try store.auditLog().dropFirst(before)
        #expect(lines.count == 2)
        #expect(lines.map { $0.count ?? 1 } == [999, 1])
        #expect(lines.map(\.resultType) == ["Success", "Failure"])
    }
}
