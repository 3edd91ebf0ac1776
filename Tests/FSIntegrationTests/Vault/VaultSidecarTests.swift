import Foundation
import Testing
import VaultEngine
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// The container-sidecar recipe of docs/mount.md, as far as a machine without a container runtime goes:
    /// the sidecar mounts in its own mount and pid namespaces on a shared bind mount (Kubernetes'
    /// `Bidirectional`), the app runs in mount and pid namespaces of its own with slave propagation
    /// (`HostToContainer`), waits for the mount with `kvfs wait`, and reads its secret as its own uid. The
    /// master key comes from a 0400 file outside the store, as a Kubernetes Secret volume gives it.
    @Suite struct Sidecar {
        static let value = "sidecar-\(UUID().uuidString)"

        final class Scene: @unchecked Sendable {
            let directory: String
            var shared: String { directory + "/shared" }
            var mountpoint: String { shared + "/kvfs" }
            var store: String { directory + "/volume/store" }
            var masterKey: String { directory + "/secret-volume/master.key" }
            private var bound = false

            init() throws {
                var template = Array("/tmp/kvfs-sidecar-XXXXXX".utf8CString)
                guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
                directory = String(cString: made)
                chmod(directory, 0o755)
                for dir in ["/shared", "/volume", "/secret-volume"] {
                    try FileManager.default.createDirectory(atPath: directory + dir, withIntermediateDirectories: false,
                                                            attributes: [.posixPermissions: dir == "/shared" ? 0o755 : 0o700])
                }
                let engine = try VaultEngine.initialize(at: StoreLocation.resolve(directory: store, masterKeyFile: masterKey))
                chmod(masterKey, 0o400)
                let owner = Caller.currentProcess()
                try engine.vaults.create(named: "app1", as: owner)
                try engine.access.createPrincipal(named: "app", kind: .user, unixID: TestCaller.secretsUser.uid, as: owner)
                try engine.access.assign(principal: "app", role: .secretsUser, scope: try Scope(parsing: "/vaults/app1"), as: owner)
                try engine.access.createPrincipal(named: "seeder", kind: .user, unixID: 0, as: owner)
                let seeding = try engine.access.assign(principal: "seeder", role: .secretsOfficer,
                                                       scope: try Scope(parsing: "/vaults/app1"), as: owner)
                try engine.secrets.set(vault: "app1", name: "db", value: Array(Sidecar.value.utf8), as: owner)
                try engine.access.removeAssignment(id: seeding.id, as: owner)
                try engine.flushAudit()
                // The volume both containers see: a shared bind mount, so a mount made under it in one mount
                // namespace appears in the others.
                try Scene.run(["/bin/mount", "--bind", shared, shared])
                bound = true
                try Scene.run(["/bin/mount", "--make-shared", shared])
                try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: false,
                                                        attributes: [.posixPermissions: 0o755])
            }

            static func run(_ arguments: [String]) throws {
                let outcome = try VaultProcess.run(arguments, timeout: 20)
                guard outcome.succeeded else { throw VaultTestError("\(arguments.joined(separator: " ")): \(outcome)") }
            }

            var isMounted: Bool { MountTable.mount(at: mountpoint) != nil }

            func tearDown() {
                if isMounted { _ = try? VaultProcess.run(["/bin/umount", "-l", mountpoint], timeout: 10) }
                if bound { _ = try? VaultProcess.run(["/bin/umount", "-l", shared], timeout: 10) }
                try? FileManager.default.removeItem(atPath: directory)
            }
        }

        /// The pid of the only child of `pid` (the sidecar's daemon under `unshare --fork`).
        static func onlyChild(of pid: pid_t) -> pid_t? {
            let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)
            let children = (text ?? "").split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return children.count == 1 ? children[0] : nil
        }

        @Test func anAppInItsOwnNamespacesWaitsForThePropagatedMountAndReadsAsItsUid() throws {
            let scene = try Scene()
            defer { scene.tearDown() }
            let kvfs = VaultMountFixture.kvfsPath

            // The app container starts first and waits for the mount without a sleep loop.
            let app = Process()
            app.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            app.arguments = ["--mount", "--pid", "--fork", "--propagation", "slave", "--"]
                + TestCaller.secretsUser.setprivArguments
                + ["/bin/sh", "-c", "echo waiting; \"$0\" wait \"$1\" --timeout 20 -o none && cat \"$1/app1/secrets/db\"",
                   kvfs, scene.mountpoint]
            app.environment = VaultProcess.childEnvironment
            let appOutput = Pipe()
            app.standardOutput = appOutput
            app.standardError = appOutput
            app.standardInput = FileHandle.nullDevice
            try app.run()
            defer { if app.isRunning { kill(app.processIdentifier, SIGKILL); app.waitUntilExit() } }
            let reader = appOutput.fileHandleForReading
            var firstLine = Data()
            while !firstLine.contains(UInt8(ascii: "\n")), let byte = try reader.read(upToCount: 1), !byte.isEmpty {
                firstLine.append(byte)
            }
            #expect(String(decoding: firstLine, as: UTF8.self) == "waiting\n")
            #expect(!scene.isMounted)

            // The sidecar: its own mount and pid namespaces, propagation of the shared volume kept.
            let sidecar = try MountDaemon(kvfs: "/usr/bin/unshare",
                                          ["--mount", "--pid", "--fork", "--propagation", "unchanged", "--", kvfs, "mount",
                                           scene.mountpoint, "--store", scene.store, "--master-key-file", scene.masterKey,
                                           "--foreground"],
                                          log: scene.directory + "/sidecar.log", environment: VaultProcess.childEnvironment)
            defer {
                if sidecar.isRunning {
                    if let daemon = Sidecar.onlyChild(of: sidecar.pid) { kill(daemon, SIGKILL) }
                    sidecar.stop(with: SIGKILL, grace: 1)
                }
            }
            let rest = try reader.readToEnd() ?? Data()
            app.waitUntilExit()
            #expect(app.terminationStatus == 0, "\(String(decoding: rest, as: UTF8.self))")
            #expect(String(decoding: rest, as: UTF8.self) == Sidecar.value)
            // The mount made in the sidecar's namespace is in this one too (the shared volume).
            #expect(scene.isMounted)

            // Another uid in a container of its own has no role: refused, as on the host.
            let stranger = try VaultProcess.run(["/usr/bin/unshare", "--mount", "--pid", "--fork", "--propagation", "slave", "--"]
                                                + TestCaller.nobody.setprivArguments
                                                + ["/usr/bin/python3", "-c", """
                                                   import os, sys
                                                   try:
                                                       open(sys.argv[1]).read(); print("read")
                                                   except OSError as e:
                                                       print(os.strerror(e.errno))
                                                   """, scene.mountpoint + "/app1/secrets/db"])
            #expect(stranger.stdout == "\(String(cString: strerror(EACCES)))\n", "\(stranger)")

            // Stopping the sidecar: SIGTERM reaches the daemon (pid 1 of its namespace; `unshare` itself
            // ignores SIGTERM), which unmounts everywhere and exits 0.
            let daemon = try #require(Sidecar.onlyChild(of: sidecar.pid), "no daemon under unshare")
            kill(daemon, SIGTERM)
            let status = try #require(sidecar.waitForExit(timeout: 5), "the sidecar did not stop on SIGTERM")
            #expect(status == 0, "sidecar wait status \(status): \((try? String(contentsOfFile: scene.directory + "/sidecar.log", encoding: .utf8)) ?? "")")
            #expect(!scene.isMounted)

            // The app is outside the daemon's pid namespace: FUSE reports its pid as 0, and the audit says so.
            let audit = try VaultProcess.run([kvfs, "audit", "list", "--store", scene.store, "--master-key-file", scene.masterKey])
            let lines = audit.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            func caller(_ line: [String: Any]) -> (uid: UInt32?, pid: Int?) {
                let caller = line["caller"] as? [String: Any]
                return ((caller?["uid"] as? NSNumber)?.uint32Value, (caller?["pid"] as? NSNumber)?.intValue)
            }
            #expect(lines.contains { $0["operationName"] as? String == "SecretGet" && $0["resultType"] as? String == "Success"
                        && caller($0) == (TestCaller.secretsUser.uid, 0) }, "\(lines)")
            // The stranger's refusal is audited too (it has no principal: refused at the vault).
            #expect(lines.contains { caller($0) == (TestCaller.nobody.uid, 0) && $0["resultType"] as? String != "Success" }, "\(lines)")
        }

        @Test func waitGivesUpWithExitTwoWhenNothingIsMounted() throws {
            let scene = try Scene()
            defer { scene.tearDown() }
            let started = Date()
            let out = try VaultProcess.run([VaultMountFixture.kvfsPath, "wait", scene.mountpoint, "--timeout", "0.3"])
            #expect(out.status == 2, "\(out)")
            #expect(out.stderr.contains("No live kvfs mount at \(scene.mountpoint)"), "\(out)")
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }
}
