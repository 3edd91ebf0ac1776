import Foundation
import Testing
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// A kvfs store in a temporary directory, seeded in this process through the engine and mounted by a
/// `kvfs mount --foreground` child process. Every check on the mount runs in a child process as a chosen
/// identity (`as(_:)`), never in the test process.
///
/// Use `VaultMountFixture.with(_:_:)`: it always tears down (SIGTERM to the daemon, then SIGKILL, a lazy
/// `fusermount3 -u -z`, and removal of the directory), whether the body returns or throws. A
/// `#expect` failing inside the body does not skip teardown either. A daemon that does not exit cleanly
/// on SIGTERM, or leaves its mount behind, is a recorded test failure: the fallbacks only clean up.
final class VaultMountFixture: @unchecked Sendable {
    /// What to create before mounting.
    struct Setup {
        struct Vault {
            var name: String
            var purgeProtection = false
            var retentionDays: Int? = nil
        }
        var vaults: [Vault]
        /// name → uid (users).
        var users: [(name: String, uid: UInt32)] = []
        /// name → gid (groups).
        var groups: [(name: String, gid: UInt32)] = []
        /// Workload principals: name, the uid they run as, and their selectors.
        var workloads: [(name: String, uid: UInt32, selectors: WorkloadSelectors)] = []
        /// (principal, role, scope).
        var assignments: [(String, String, String)] = []
        /// (vault, name, value): seeded through `kvfs secret set` before mounting.
        var secrets: [(String, String, String)] = []
        /// (vault, name): seeded secrets soft-deleted through `kvfs secret delete` before mounting.
        var deleted: [(String, String)] = []
        /// More arguments for `kvfs mount`.
        var mountArguments: [String] = []
        /// A command that runs `kvfs mount` in its own process (`prlimit --core=unlimited`), or none.
        var launcher: [String] = []
    }

    let directory: String
    let store: String
    let mountpoint: String
    let probePath: String
    let mountArguments: [String]
    let launcher: [String]
    private(set) var daemon: MountDaemon?
    private var tornDown = false
    /// Set by a test that ends the daemon itself (a crash): teardown then only cleans up.
    var daemonEndsByItself = false

    var daemonPID: Int32 { daemon?.pid ?? 0 }

    /// The built `kvfs` binary: beside the test bundle under `swift test`, else `.build/debug/kvfs` above
    /// this source file.
    static let kvfsPath: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kvfs").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent(".build/debug/kvfs").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return beside
    }()

    /// Builds, mounts, runs `body`, and always tears down.
    static func with<T>(_ setup: Setup, _ body: (VaultMountFixture) throws -> T) throws -> T {
        let fixture = try VaultMountFixture(setup)
        defer { fixture.tearDown() }
        try fixture.mount()
        return try body(fixture)
    }

    private init(_ setup: Setup) throws {
        var template = Array("/tmp/kvfs-vault-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        // The test uids must be able to reach the mountpoint (the store itself stays 0700).
        chmod(directory, 0o755)
        store = directory + "/store"
        mountpoint = directory + "/mnt"
        probePath = directory + "/probe.py"
        mountArguments = setup.mountArguments
        launcher = setup.launcher
        do {
            try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o755])
            try ProbeScript.source.write(toFile: probePath, atomically: true, encoding: .utf8)
            chmod(probePath, 0o644)
            try prepare(setup)
        } catch {
            tearDown()
            throw error
        }
    }

    deinit { tearDown() }

    /// Runs `kvfs arguments... --store <store>` as root and fails on a non-zero exit.
    @discardableResult
    func kvfs(_ arguments: [String], input: Data? = nil) throws -> VaultProcess.Outcome {
        let outcome = try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", store], input: input)
        guard outcome.succeeded else {
            throw VaultTestError("kvfs \(arguments.joined(separator: " ")) failed: \(outcome)")
        }
        return outcome
    }

    /// Creates the store and what `setup` names through the engine, in this process, as the store's owner
    /// (root) — what `kvfs init`, `vault create`, `principal create`, `role assignment create` and
    /// `secret set|delete` would do, without a process each. The engine is closed again before the mount.
    private func prepare(_ setup: Setup) throws {
        let engine = try VaultEngine.initialize(at: StoreLocation.resolve(directory: store, masterKeyFile: nil))
        let owner = Caller.currentProcess()
        for vault in setup.vaults {
            try engine.vaults.create(named: vault.name,
                                   options: VaultCreateOptions(retentionDays: vault.retentionDays ?? 90,
                                                               purgeProtection: vault.purgeProtection),
                                   as: owner)
        }
        for user in setup.users { try engine.access.createPrincipal(named: user.name, kind: .user, unixID: user.uid, as: owner) }
        for group in setup.groups { try engine.access.createPrincipal(named: group.name, kind: .group, unixID: group.gid, as: owner) }
        for workload in setup.workloads {
            try engine.access.createWorkloadPrincipal(named: workload.name, uid: workload.uid, selectors: workload.selectors, as: owner)
        }
        for (assignee, role, scope) in setup.assignments {
            guard let builtIn = BuiltInRole.named(role) else { throw VaultTestError("no built-in role '\(role)'") }
            try engine.access.assign(principal: assignee, role: builtIn, scope: try Scope(parsing: scope), as: owner)
        }
        if !setup.secrets.isEmpty {
            // The store's owner (root) has no data access: seed through a temporary Administrator assignment,
            // removed again before mounting.
            try engine.access.createPrincipal(named: "seeding-owner", kind: .user, unixID: 0, as: owner)
            let seedAssignments = try setup.vaults.map { vault in
                try engine.access.assign(principal: "seeding-owner", role: .administrator,
                                                scope: try Scope(parsing: "/vaults/\(vault.name)"), as: owner)
            }
            for (vault, name, value) in setup.secrets {
                try engine.secrets.set(vault: vault, name: name, value: Array(value.utf8), as: owner)
            }
            for (vault, name) in setup.deleted {
                try engine.objects(.secret).delete(vault: vault, name: name, as: owner)
            }
            for assignment in seedAssignments { try engine.access.removeAssignment(id: assignment.id, as: owner) }
            try engine.access.deletePrincipal(named: "seeding-owner", as: owner)
        }
        try engine.flushAudit()
    }

    /// Starts `kvfs mount --foreground` and waits for its readiness report (sent once the kernel has the
    /// mount; requests queue until the loop serves them).
    private func mount() throws {
        daemon = try MountDaemon(kvfs: VaultMountFixture.kvfsPath, ["mount", mountpoint, "--store", store, "--foreground"] + mountArguments,
                                 log: directory + "/daemon.log", environment: VaultProcess.childEnvironment, launcher: launcher)
        guard isMounted else { throw VaultTestError("kvfs mount reported ready, but \(mountpoint) is not mounted: \(daemonLog)") }
    }

    var daemonLog: String { (try? String(contentsOfFile: directory + "/daemon.log", encoding: .utf8)) ?? "" }

    var isMounted: Bool {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == mountpoint }
    }

    /// Stops the daemon and removes everything; safe to call more than once. Records a failure when the
    /// daemon needed SIGKILL, exited unclean, or left its mount behind.
    func tearDown() {
        guard !tornDown else { return }
        tornDown = true
        if let daemon, daemonEndsByItself {
            daemon.stop(with: SIGKILL, grace: 5)
        } else if let daemon {
            let ending = daemon.stop(with: SIGTERM, grace: 5)
            if !ending.isClean {
                Issue.record("kvfs mount did not shut down cleanly on SIGTERM: \(ending)\n\(daemonLog.suffix(2000))")
            } else if isMounted {
                Issue.record("kvfs mount exited (\(ending)) but left \(mountpoint) mounted")
            }
        }
        if isMounted {
            _ = try? VaultProcess.run(["/usr/bin/fusermount3", "-u", "-z", mountpoint], timeout: 10)
        }
        if isMounted {
            _ = try? VaultProcess.run(["/bin/umount", "-l", mountpoint], timeout: 10)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: checks as a caller

    /// Absolute path of `relative` inside the mount.
    func path(_ relative: String) -> String { mountpoint + "/" + relative }

    /// Runs the operations in order as `identity`, in one child process; paths are relative to the mount.
    /// `launcher` comes between the identity change and the probe (a command that execs its arguments, e.g.
    /// one that first moves itself into a cgroup).
    func probe(_ identity: VaultProcess.Identity, _ ops: [ProbeOp], launcher: [String] = [],
               timeout: TimeInterval = 30) throws -> [ProbeResult] {
        let absolute = ops.map { op -> [Any] in
            var json = op.json
            json[1] = path(json[1] as! String)
            if case .rename = op { json[2] = path(json[2] as! String) }
            return json
        }
        let encoded = String(decoding: try JSONSerialization.data(withJSONObject: absolute), as: UTF8.self)
        let outcome = try VaultProcess.run(identity.setprivArguments + launcher + ["/usr/bin/python3", probePath, encoded], timeout: timeout)
        guard outcome.succeeded,
              let list = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]],
              list.count == ops.count else {
            throw VaultTestError("probe as \(identity) failed: \(outcome)")
        }
        return list.map { ProbeResult(result: $0["r"] as? String ?? "?", value: $0["v"].flatMap { $0 is NSNull ? nil : $0 }) }
    }

    /// One operation as `identity`.
    func probe(_ identity: VaultProcess.Identity, _ op: ProbeOp) throws -> ProbeResult {
        try probe(identity, [op])[0]
    }

    /// `/bin/sh -c script` as `identity`, with the working directory at the mount's root.
    @discardableResult
    func shell(_ identity: VaultProcess.Identity, _ script: String, input: Data? = nil) throws -> VaultProcess.Outcome {
        try VaultProcess.shell("cd '\(mountpoint)' && " + script, as: identity, input: input)
    }

    /// How many versions `vault/secrets/.versions/name` lists, as `identity`.
    func versionCount(_ identity: VaultProcess.Identity, _ vault: String, _ name: String) throws -> Int {
        let listing = try probe(identity, .list("\(vault)/secrets/.versions/\(name)"))
        guard listing.ok else { throw VaultTestError("cannot list versions of \(vault)/\(name): \(listing)") }
        return listing.names.count
    }

    /// The audit lines, parsed.
    func auditLines() throws -> [[String: Any]] {
        let out = try kvfs(["audit", "list"])
        return out.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The audit lines matching `filter`, once their counts add up to `total` or 10 s passed (identical lines
    /// fold into one with a `count`, and lines of reads and refusals are written when the processes they
    /// name have exited, or their window closed).
    func auditLines(adding total: Int, _ filter: ([String: Any]) -> Bool) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(10)
        while true {
            let matching = try auditLines().filter(filter)
            if VaultMountFixture.requests(in: matching) >= total || Date() > deadline { return matching }
            usleep(50_000)
        }
    }

    /// How many requests audit `lines` stand for (a folded line counts its `count`).
    static func requests(in lines: [[String: Any]]) -> Int {
        lines.reduce(0) { $0 + ((($1["count"] as? NSNumber)?.intValue) ?? 1) }
    }

    /// Open file descriptors of the daemon.
    func daemonFDCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemonPID)/fd").count
    }
}
