import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// Changes made outside the mount (`kvfs secret set` writing the store from another process) reach it
    /// at once: the next open sees the new version, `stat` the new size and times, open files get `POLLPRI`,
    /// and `kvfs watch` runs its command once per real change of content.
    @Suite(.serialized) struct ExternalChanges {
        static let vault = "extchange"

        /// The standard callers, and root (the CLI's user) as Secrets Officer, so `kvfs secret set` may write.
        static var setup: VaultMountFixture.Setup {
            var setup = TestCaller.setup([.init(name: vault)])
            setup.users.append(("cli-root", 0))
            setup.assignments.append(("cli-root", "Key Vault Secrets Officer", "/vaults/\(vault)"))
            return setup
        }

        /// Mounts `setup` with `secrets` written through the CLI.
        static func with(_ secrets: [(String, String)], _ body: (VaultMountFixture) throws -> Void) throws {
            try VaultMountFixture.with(setup) { mount in
                for (name, value) in secrets { try rotate(mount, name, value) }
                try body(mount)
            }
        }

        /// A background process of the test, killed and reaped whatever happens.
        final class Background {
            let process = Process()
            let output: String

            init(_ arguments: [String], output: String) throws {
                self.output = output
                FileManager.default.createFile(atPath: output, contents: nil)
                process.executableURL = URL(fileURLWithPath: arguments[0])
                process.arguments = Array(arguments.dropFirst())
                process.environment = VaultProcess.childEnvironment
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                process.standardError = process.standardOutput
                try process.run()
            }

            deinit {
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                }
            }

            var text: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
            var lines: [String] { text.split(separator: "\n").map(String.init) }

            /// Waits (up to `seconds`) until `condition` holds of the output.
            @discardableResult
            func wait(_ seconds: TimeInterval = 10, until condition: ([String]) -> Bool) -> Bool {
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline {
                    if condition(lines) { return true }
                    usleep(10_000)
                }
                return condition(lines)
            }
        }

        /// `kvfs secret set` through the store, as a separate process (the CLI next to a mount).
        static func rotate(_ mount: VaultMountFixture, _ name: String, _ value: String) throws {
            let outcome = try mount.kvfs(["secret", "set", "--vault", vault, "--name", name, "--value", value])
            #expect(outcome.succeeded, "\(outcome)")
        }

        static func stat(_ mount: VaultMountFixture, _ path: String) throws -> (size: Int, mtime: Int64, ctime: Int64) {
            let out = try mount.shell(TestCaller.secretsUser, "python3 -c 'import os,sys; s=os.stat(sys.argv[1]); print(s.st_size, s.st_mtime_ns, s.st_ctime_ns)' '\(path)'")
            let parts = out.stdout.split(separator: " ").map { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
            guard out.succeeded, parts.count == 3 else { throw VaultTestError("stat \(path): \(out)") }
            return (Int(parts[0]), parts[1], parts[2])
        }

        @Test func cliRotationReachesOpenStatAndPollers() throws {
            let v = ExternalChanges.vault
            try ExternalChanges.with([("db", "first")]) { mount in
                let file = mount.path("\(v)/secrets/db")
                let before = try ExternalChanges.stat(mount, "\(v)/secrets/db")
                #expect(before.size == 5)
                // A poller (the app's uid) on an open file of the secret: POLLPRI for each change, stamped.
                let poller = #"""
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
p = select.poll(); p.register(fd, select.POLLPRI)
print("armed", p.poll(0), flush=True)
for i in range(int(sys.argv[2])):
    events = p.poll(20000)
    print("wake %.6f %s" % (time.time(), events), flush=True)
"""#
                let rounds = 5
                let waiter = try Background(TestCaller.secretsUser.setprivArguments + ["/usr/bin/python3", "-c", poller, file, String(rounds)],
                                            output: mount.directory + "/poller.out")
                #expect(waiter.wait { $0.contains { $0.hasPrefix("armed []") } }, "poller: \(waiter.text)")
                var latencies: [Double] = []
                for round in 1...rounds {
                    let value = "rotated-value-\(round)-" + String(repeating: "x", count: round)
                    try ExternalChanges.rotate(mount, "db", value)
                    let done = Date().timeIntervalSince1970
                    let woke = waiter.wait { $0.filter { $0.hasPrefix("wake") }.count >= round }
                    #expect(woke, "no POLLPRI after rotation \(round): \(waiter.text) \(mount.daemonLog.suffix(1000))")
                    if let line = waiter.lines.filter({ $0.hasPrefix("wake") }).dropFirst(round - 1).first,
                       let stamp = Double(line.split(separator: " ")[1]) {
                        latencies.append(stamp - done)
                    }
                    // The next open sees the new version; stat shows its size.
                    #expect(try mount.probe(TestCaller.secretsUser, .read("\(v)/secrets/db")).text == value)
                    #expect(try ExternalChanges.stat(mount, "\(v)/secrets/db").size == value.utf8.count)
                }
                let after = try ExternalChanges.stat(mount, "\(v)/secrets/db")
                #expect(after.mtime > before.mtime && after.ctime > before.ctime, "before \(before) after \(after)")
                print("external change: POLLPRI at \(latencies.map { String(format: "%+.4f", $0) }) s from the CLI's exit (negative: before it exited)")
                #expect(latencies.count == rounds && latencies.allSatisfy { $0 < 1 }, "\(latencies)")
            }
        }

        /// inotify fires through the mount for a write made through the mount (the kernel's own events), on a
        /// watch of the folder: each version is its own inode, so a watch of the file itself stays on the
        /// version it was set on (as a watch on a Kubernetes ConfigMap file does across an update).
        @Test func inotifyFiresForWritesThroughTheMount() throws {
            let v = ExternalChanges.vault
            try ExternalChanges.with([("db", "first")]) { mount in
                let folder = mount.path("\(v)/secrets")
                let watcher = try Background(TestCaller.secretsUser.setprivArguments + ["/usr/bin/inotifywait", "-e", "close_write", folder], output: mount.directory + "/inotify.out")
                defer { if watcher.process.isRunning { kill(watcher.process.processIdentifier, SIGKILL); watcher.process.waitUntilExit() } }
                #expect(watcher.wait { $0.contains("Watches established.") }, "\(watcher.text)")
                #expect(try mount.probe(TestCaller.officer, .overwrite("\(v)/secrets/db", "through-the-mount")).ok)
                let deadline = Date().addingTimeInterval(10)
                while watcher.process.isRunning && Date() < deadline { usleep(20_000) }
                #expect(!watcher.process.isRunning, "no inotify event within 10 s: \(watcher.text)")
                #expect(watcher.text.contains("CLOSE_WRITE") && watcher.text.contains(" db"), "\(watcher.text)")
            }
        }

        @Test func watchRunsOncePerRealChangeOfContent() throws {
            let v = ExternalChanges.vault
            try ExternalChanges.with([("db", "first"), ("marker", "m0")]) { mount in
                let work = mount.directory + "/watch"
                try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: false)
                chown(work, TestCaller.secretsUser.uid, TestCaller.secretsUser.gid)
                let runs = work + "/runs"
                let db = mount.path("\(v)/secrets/db"), marker = mount.path("\(v)/secrets/marker")
                let debounce = 3.0
                let watch = try Background(TestCaller.secretsUser.setprivArguments + [
                    VaultMountFixture.kvfsPath, "watch", db, marker, "--debounce", String(debounce),
                    "--exec", "printf '%s|%s\\n' \"$KVFS_WATCH_PATH\" \"$(cat \"$KVFS_WATCH_PATH\")\" >> \(runs)",
                ], output: work + "/watch.err")
                #expect(watch.wait { $0.contains("kvfs watch: watching 2 files") }, "\(watch.text)")
                func ran() -> [String] {
                    ((try? String(contentsOfFile: runs, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                }
                func waitForRuns(_ count: Int) -> Bool {
                    let deadline = Date().addingTimeInterval(debounce + 10)
                    while Date() < deadline, ran().count < count { usleep(10_000) }
                    return ran().count >= count
                }

                // A real change: one run, with the path in the environment and the new content readable.
                let rotated = Date()
                try ExternalChanges.rotate(mount, "db", "second")
                #expect(waitForRuns(1), "\(watch.text)")
                let firstRun = Date().timeIntervalSince(rotated)
                #expect(ran() == ["\(db)|second"])

                // No content change: a touch, a metadata change and a new version with the same value run nothing.
                // A later change of the marker proves it: its run is the next one, and names the marker only.
                #expect(try mount.shell(TestCaller.officer, "touch '\(db)'").succeeded)
                #expect(try mount.probe(TestCaller.officer, .setxattr("\(v)/secrets/db", "user.kv.content_type", "text/plain")).ok)
                try ExternalChanges.rotate(mount, "db", "second")
                usleep(UInt32(debounce * 1_000_000) + 300_000)
                try ExternalChanges.rotate(mount, "marker", "m1")
                #expect(waitForRuns(2), "\(watch.text)")
                #expect(ran() == ["\(db)|second", "\(marker)|m1"], "\(ran())")

                // A burst of five rotations within the window: one run, with the last value.
                let burst = Date()
                for round in 1...5 { try ExternalChanges.rotate(mount, "db", "burst-\(round)") }
                let burstSeconds = Date().timeIntervalSince(burst)
                #expect(burstSeconds < debounce, "the burst took \(burstSeconds) s, longer than the window")
                #expect(waitForRuns(3), "\(watch.text)")
                try ExternalChanges.rotate(mount, "marker", "m2")
                #expect(waitForRuns(4), "\(watch.text)")
                #expect(ran() == ["\(db)|second", "\(marker)|m1", "\(db)|burst-5", "\(marker)|m2"], "\(ran())")
                print("kvfs watch: first run \(String(format: "%.3f", firstRun)) s after a rotation (window \(debounce) s); burst of 5 in \(String(format: "%.3f", burstSeconds)) s gave one run")

                // Only files on a kvfs mount: anywhere else no change signal ever comes.
                let elsewhere = try VaultProcess.run([VaultMountFixture.kvfsPath, "watch", "/etc/hostname", "--exec", "true"])
                #expect(elsewhere.status == 5 && elsewhere.stderr.contains("not on a kvfs mount"), "\(elsewhere)")

                // SIGTERM ends it cleanly, whatever signal mask it inherited (this test runner blocks them).
                kill(watch.process.processIdentifier, SIGTERM)
                let deadline = Date().addingTimeInterval(5)
                while watch.process.isRunning, Date() < deadline { usleep(10_000) }
                #expect(!watch.process.isRunning, "kvfs watch ignored SIGTERM")
                if watch.process.isRunning { kill(watch.process.processIdentifier, SIGKILL) }
                watch.process.waitUntilExit()
                #expect(watch.process.terminationReason == .exit && watch.process.terminationStatus == 0, "\(watch.text)")
            }
        }
    }
}
