import Foundation
import Synchronization
import Testing
@testable import VaultEngine

/// Workload principals: all of a principal's selectors must match, a caller whose workload cannot be told is
/// refused with the reason audited, and callers no workload principal names are never looked at.
@Suite struct WorkloadPrincipalTests {
    static let owner = TestStore.owner
    static let unit = "web.service"
    static let container = String(repeating: "ab", count: 32)
    static let pod = "2c48913c-b29f-11e7-9350-020968147796"

    /// A caller of uid 0 whose workload is `identification`; `calls` counts how often it was asked.
    static func caller(_ identification: WorkloadIdentification, uid: UInt32 = 0, calls: Counter? = nil,
                       pid: Int32 = 777) -> Caller {
        var caller = Caller(uid: uid, gid: uid, pid: pid, executable: "/usr/bin/app")
        caller.workload = WorkloadLookup { _ in
            calls?.add()
            return identification
        }
        return caller
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    static func store(_ principals: [(String, WorkloadSelectors)]) throws -> TestStore {
        let store = try TestStore()
        try store.makeVault()
        for (name, selectors) in principals {
            try store.engine.access.createWorkloadPrincipal(named: name, uid: 0, selectors: selectors, as: owner)
            try store.engine.access.assign(principal: name, role: .secretsUser,
                                           scope: Scope(parsing: "/vaults/vault1/secrets/\(name)-secret"), as: owner)
            try store.engine.secrets.set(vault: "vault1", name: "\(name)-secret", value: Array("\(name)-value".utf8), as: TestStore.seeder)
        }
        return store
    }

    @Test func everySelectorMustMatch() throws {
        let store = try Self.store([("both", WorkloadSelectors(systemdUnit: Self.unit, executable: "/usr/bin/app"))])
        let e = store.engine
        let right = Workload(systemdUnit: Self.unit, executable: "/usr/bin/app")
        #expect(try e.secrets.get(vault: "vault1", name: "both-secret", as: Self.caller(.identified(right))).value.bytes
                == Array("both-value".utf8))
        var otherExe = right
        otherExe.executable = "/usr/bin/cat"
        var otherUnit = right
        otherUnit.systemdUnit = "db.service"
        for workload in [otherExe, otherUnit, Workload()] {
            #expect(code { _ = try e.secrets.get(vault: "vault1", name: "both-secret", as: Self.caller(.identified(workload))) } == .accessDenied)
        }
        // Another uid with the right workload is not the principal either.
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "both-secret", as: Self.caller(.identified(right), uid: 33)) } == .accessDenied)
        // A caller the front-end could not look at (the CLI) never matches a workload principal.
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "both-secret", as: Caller(uid: 0, gid: 0)) } == .accessDenied)
    }

    @Test func containerPodAndDigestSelectors() throws {
        let digest = String(repeating: "0f", count: 32)
        let store = try Self.store([
            ("ctr", WorkloadSelectors(containerID: Self.container.uppercased())),
            ("pod", WorkloadSelectors(podUID: Self.pod.replacingOccurrences(of: "-", with: "_"))),
            ("bin", WorkloadSelectors(executable: "/usr/bin/app", executableSHA256: digest)),
        ])
        let e = store.engine
        let principals = try e.access.principals(as: Self.owner)
        #expect(principals.first { $0.name == "ctr" }?.selectors?.containerID == Self.container, "stored in lower case")
        #expect(principals.first { $0.name == "pod" }?.selectors?.podUID == Self.pod, "stored with dashes")
        #expect(try e.secrets.get(vault: "vault1", name: "ctr-secret", as: Self.caller(.identified(Workload(containerID: Self.container)))).value.bytes
                == Array("ctr-value".utf8))
        #expect(try e.secrets.get(vault: "vault1", name: "pod-secret", as: Self.caller(.identified(Workload(podUID: Self.pod)))).value.bytes
                == Array("pod-value".utf8))
        let hashed = Workload(executable: "/usr/bin/app", executableSHA256: digest)
        #expect(try e.secrets.get(vault: "vault1", name: "bin-secret", as: Self.caller(.identified(hashed))).value.bytes
                == Array("bin-value".utf8))
        let unhashed = Workload(executable: "/usr/bin/app", executableSHA256: String(repeating: "1", count: 64))
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "bin-secret", as: Self.caller(.identified(unhashed))) } == .accessDenied)
    }

    @Test func unidentifiedCallerIsRefusedWithTheReasonAudited() throws {
        let store = try Self.store([("web", WorkloadSelectors(systemdUnit: Self.unit))])
        try store.grant(.secretsUser, toUser: 0, at: "/vaults/vault1")
        let e = store.engine
        let vanished = Self.caller(.unidentified(reason: "the process exited while it was being identified"))
        // Even the uid's own user principal does not help: which principals the caller is cannot be told.
        #expect(code { _ = try e.secrets.get(vault: "vault1", name: "web-secret", as: vanished) } == .accessDenied)
        #expect(code { _ = try e.access.inspectCollection(.secret, vault: "vault1", as: vanished) } == .accessDenied)
        #expect(code { _ = try e.access.inspect(.secret, vault: "vault1", name: "web-secret", as: vanished) } == .accessDenied)
        try e.flushAudit()
        let refusals = try e.audit.records(as: Self.owner).map(decodeAudit).filter { $0.resultType == "Failure" && $0.caller.pid == 777 }
        // The inspection is audited as SecretGet too, and folds into the first line (identical refusals).
        #expect(refusals.map(\.operationName) == ["SecretGet", "SecretList"], "\(refusals)")
        #expect(refusals.map { $0.count ?? 1 } == [2, 1])
        #expect(refusals.allSatisfy {
            $0.resultDescription == "WorkloadUnidentified: the process exited while it was being identified" && $0.resultSignature == "ForbiddenByRbac"
        }, "\(refusals.map { ($0.resultDescription, $0.resultSignature) })")
    }

    @Test func callersNoWorkloadPrincipalNamesAreNotLookedAt() throws {
        let store = try Self.store([("web", WorkloadSelectors(systemdUnit: Self.unit))])
        try store.grant(.secretsUser, toUser: 1001, at: "/vaults/vault1")
        let calls = Counter()
        let other = Self.caller(.unidentified(reason: "must not be asked"), uid: 1001, calls: calls)
        #expect(try store.engine.secrets.get(vault: "vault1", name: "web-secret", as: other).value.bytes == Array("web-value".utf8))
        #expect(calls.value == 0)
        let named = Self.caller(.identified(Workload(systemdUnit: Self.unit)), calls: calls)
        _ = try store.engine.secrets.get(vault: "vault1", name: "web-secret", as: named)
        #expect(calls.value == 1, "identified once per request")
        try store.engine.flushAudit()
        let line = try #require(try store.engine.audit.records(as: Self.owner).map(decodeAudit).last { $0.caller.uid == 0 && $0.operationName == "SecretGet" })
        #expect(line.caller.workload?.systemdUnit == Self.unit)
        #expect(line.principal == "web")
    }

    @Test func badSelectorsAreRefusedAndChangeNothing() throws {
        let store = try TestStore()
        let e = store.engine
        let bad: [WorkloadSelectors] = [
            WorkloadSelectors(),
            WorkloadSelectors(gid: 5),
            WorkloadSelectors(systemdUnit: "web"),
            WorkloadSelectors(systemdUnit: "../web.service"),
            WorkloadSelectors(containerID: "abc"),
            WorkloadSelectors(podUID: "not-a-uuid"),
            WorkloadSelectors(executable: "usr/bin/app"),
            WorkloadSelectors(executable: "/usr/bin/../bin/app"),
            WorkloadSelectors(executableSHA256: String(repeating: "a", count: 64)),
            WorkloadSelectors(executable: "/usr/bin/app", executableSHA256: "xyz"),
        ]
        for selectors in bad {
            #expect(code { _ = try e.access.createWorkloadPrincipal(named: "w", uid: 0, selectors: selectors, as: Self.owner) } == .invalidArgument,
                    "\(selectors.summary)")
        }
        #expect(try e.access.principals(as: Self.owner).isEmpty)
        #expect(try SQLiteCLI.run(database: store.databasePath, "SELECT value FROM meta WHERE key = 'format'") == "2",
                "a refused principal does not migrate the store")
        try e.access.createWorkloadPrincipal(named: "w", uid: 0, selectors: WorkloadSelectors(systemdUnit: "web.service"), as: Self.owner)
        #expect(code { _ = try e.access.createWorkloadPrincipal(named: "w2", uid: 0, selectors: WorkloadSelectors(systemdUnit: "web.service"), as: Self.owner) } == .conflict)
        // Many workloads may run as one uid, and a user principal of that uid still fits beside them.
        try e.access.createWorkloadPrincipal(named: "w3", uid: 0, selectors: WorkloadSelectors(systemdUnit: "db.service"), as: Self.owner)
        try e.access.createPrincipal(named: "root-user", kind: .user, unixID: 0, as: Self.owner)
        #expect(code { _ = try e.access.createPrincipal(named: "root-again", kind: .user, unixID: 0, as: Self.owner) } == .conflict)
        #expect(code { _ = try e.access.createWorkloadPrincipal(named: "Root-User", uid: 0, selectors: WorkloadSelectors(systemdUnit: "x.service"), as: Self.owner) } == .conflict)
    }
}
