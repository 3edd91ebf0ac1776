import Foundation
import Testing
import VaultEngine
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// What `deploy/systemd/kvfs@.service` relies on: READY=1 over `$NOTIFY_SOCKET` once the mount answers and
    /// STOPPING=1 at shutdown, a new daemon mounting over the dead mount a SIGKILLed one left, and a unit file
    /// that `systemd-analyze verify` accepts.
    @Suite struct Systemd {
        /// A store with one vault, a mountpoint, and a scratch directory, all under one temporary directory.
        final class Scratch {
            let directory: String
            var store: String { directory + "/store" }
            var mountpoint: String { directory + "/mnt" }
            var log: String { directory + "/daemon.log" }
            var daemons: [MountDaemon] = []

            init() throws {
                var template = Array("/tmp/kvfs-systemd-test-XXXXXX".utf8CString)
                guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
                directory = String(cString: made)
                try FileManager.default.createDirectory(atPath: directory + "/mnt", withIntermediateDirectories: false)
                let engine = try VaultEngine.initialize(at: StoreLocation.resolve(directory: directory + "/store", masterKeyFile: nil))
                try engine.vaults.create(named: "app", options: VaultCreateOptions(), as: .currentProcess())
            }

            func start(environment extra: [String: String] = [:]) throws -> MountDaemon {
                let daemon = try MountDaemon(kvfs: VaultMountFixture.kvfsPath, ["mount", mountpoint, "--store", store, "--foreground"],
                                             log: log, environment: VaultProcess.childEnvironment.merging(extra) { $1 })
                daemons.append(daemon)
                return daemon
            }

            /// Stops every daemon, detaches whatever is left, and removes the directory.
            deinit {
                for daemon in daemons { daemon.stop(with: SIGTERM, grace: 5) }
                if MountTable.mount(at: mountpoint) != nil { _ = try? VaultProcess.run(["/usr/bin/fusermount3", "-u", "-z", mountpoint], timeout: 10) }
                if MountTable.mount(at: mountpoint) != nil { _ = try? VaultProcess.run(["/bin/umount", "-l", mountpoint], timeout: 10) }
                try? FileManager.default.removeItem(atPath: directory)
            }
        }

        /// A bound unix datagram socket, as systemd listens for notifications.
        final class NotifySocket {
            let path: String
            let fd: Int32

            init(at path: String) throws {
                self.path = path
                fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                guard fd >= 0 else { throw VaultTestError("socket failed: errno \(errno)") }
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
                guard bound == 0 else { close(fd); throw VaultTestError("bind \(path) failed: errno \(errno)") }
            }

            deinit {
                close(fd)
                unlink(path)
            }

            /// The next datagram, or nil after `timeout` seconds.
            func receive(timeout: TimeInterval) -> String? {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, Int32(timeout * 1000)) == 1 else { return nil }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
            }
        }

        @Test("READY=1 arrives once the mount answers, with the daemon's pid; STOPPING=1 at shutdown")
        func notifiesReadinessAndStopping() throws {
            let scratch = try Scratch()
            let socket = try NotifySocket(at: scratch.directory + "/notify.sock")
            let daemon = try scratch.start(environment: ["NOTIFY_SOCKET": socket.path])
            let ready = try #require(socket.receive(timeout: 20), "no READY=1: \(String(describing: try? String(contentsOfFile: scratch.log, encoding: .utf8)))")
            // At the moment READY=1 is received the mount is in the table and answers for a caller.
            #expect(MountTable.mount(at: scratch.mountpoint)?.isFuse == true)
            #expect(try VaultProcess.run(["/usr/bin/stat", "-c", "%F", scratch.mountpoint + "/app"], timeout: 10).succeeded)
            let fields = Set(ready.split(separator: "\n").map(String.init))
            #expect(fields.contains("READY=1"), "\(ready)")
            #expect(fields.contains("MAINPID=\(daemon.pid)"), "\(ready)")
            #expect(fields.contains { $0.hasPrefix("STATUS=Serving ") })
            let ending = daemon.stop(with: SIGTERM, grace: 5)
            #expect(ending.isClean, "\(ending)")
            let stopping = try #require(socket.receive(timeout: 5), "no STOPPING=1")
            #expect(stopping.split(separator: "\n").contains("STOPPING=1"), "\(stopping)")
            // Nothing more: one READY, one STOPPING.
            #expect(socket.receive(timeout: 0.2) == nil)
        }

        @Test("A daemon killed with SIGKILL leaves a dead mount; the next one detaches it and mounts")
        func recoversFromAKilledDaemon() throws {
            let scratch = try Scratch()
            let first = try scratch.start()
            let killed = first.stop(with: SIGKILL, grace: 5)
            #expect(killed.signal == SIGKILL, "\(killed)")
            #expect(StaleMount.state(of: scratch.mountpoint) == .stale(fileSystemType: "fuse.kvfs"))
            let second = try scratch.start()
            #expect(StaleMount.state(of: scratch.mountpoint) == .mounted(fileSystemType: "fuse.kvfs"))
            let listed = try VaultProcess.run(["/bin/ls", scratch.mountpoint], timeout: 10)
            #expect(listed.succeeded && listed.stdout.split(separator: "\n") == ["app"], "\(listed)")
            let log = (try? String(contentsOfFile: scratch.log, encoding: .utf8)) ?? ""
            #expect(log.contains("dead"), "\(log.suffix(1000))")
            #expect(second.stop(with: SIGTERM, grace: 5).isClean)
            #expect(StaleMount.state(of: scratch.mountpoint) == .notMounted)
        }

        /// The repository's unit file.
        static var unitPath: String {
            var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                dir.deleteLastPathComponent()
            }
            return dir.appendingPathComponent("deploy/systemd/kvfs@.service").path
        }

        @Test("The unit is Type=notify, survives a dead mount, takes the key from LoadCredential= and is hardened")
        func unitDirectives() throws {
            let text = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
            let lines = Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            for directive in ["Type=notify", "NotifyAccess=main", "Restart=on-failure", "ProtectSystem=strict", "ReadWritePaths=/var/lib/kvfs/%i",
                              "NoNewPrivileges=yes", "LimitCORE=0", "PrivateTmp=yes", "MountFlags=shared", "DeviceAllow=/dev/fuse rw",
                              "LoadCredential=kvfs-master-key:/etc/kvfs/%i.key"] {
                #expect(lines.contains(directive), "missing \(directive)")
            }
            // Every ExecStartPre may fail (a dead mount makes mkdir fail) without keeping Restart= from running.
            let pre = lines.filter { $0.hasPrefix("ExecStartPre=") }
            #expect(!pre.isEmpty && pre.allSatisfy { $0.dropFirst("ExecStartPre=".count).prefix(2).contains("-") }, "\(pre)")
            #expect(lines.contains { $0.hasPrefix("ExecStart=/usr/local/bin/kvfs mount /run/kvfs/%i ") && $0.hasSuffix("--foreground") })
            #expect(!lines.contains { $0.hasPrefix("ProtectProc=") }, "ProtectProc= would hide the callers' processes")
        }

        @Test("systemd-analyze verify accepts the unit", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
        func systemdAnalyzeVerify() throws {
            var template = Array("/tmp/kvfs-unit-test-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed") }
            let directory = String(cString: made)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // The instance as `systemctl start kvfs@app` makes it, with ExecStart= naming the binary just built
            // (verify checks that the command exists).
            let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/kvfs", with: VaultMountFixture.kvfsPath)
            let instance = directory + "/kvfs@app.service"
            try unit.write(toFile: instance, atomically: true, encoding: .utf8)
            let outcome = try VaultProcess.run(["/usr/bin/systemd-analyze", "verify", "--man=no", instance], timeout: 60)
            #expect(outcome.succeeded, "\(outcome)")
            let complaints = (outcome.stdout + outcome.stderr).split(separator: "\n").filter { $0.contains("kvfs@app.service") }
            #expect(complaints.isEmpty, "\(complaints)")
        }
    }
}
