import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// Readers during rotation, hostile clients, and descriptor hygiene.
    @Suite struct Concurrency {
        static let vault = "busy"
        static let valueA = String(repeating: "A", count: 100)
        static let valueB = String(repeating: "b", count: 37)

        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: vault)], secrets: [(vault, "rotating", valueA), (vault, "victim", "original"),
                                                             (vault, "quiet", "q")])
        }

        /// Starts `/usr/bin/python3 -c source args...` as `identity`, without waiting.
        static func start(_ identity: VaultProcess.Identity, _ source: String, _ arguments: [String], output: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = Array(identity.setprivArguments.dropFirst()) + ["/usr/bin/python3", "-c", source] + arguments
            process.environment = VaultProcess.childEnvironment
            process.standardInput = FileHandle.nullDevice
            FileManager.default.createFile(atPath: output, contents: nil)
            chmod(output, 0o666)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardError = process.standardOutput
            try process.run()
            return process
        }

        static func wait(_ process: Process, seconds: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return false
            }
            return true
        }

        static let reader = #"""
import sys
path, a, b, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
good = bad = 0
odd = []
for _ in range(n):
    with open(path, "r") as f:
        v = f.read()
    if v == a or v == b:
        good += 1
    else:
        bad += 1
        odd.append(v[:50])
print("good=%d bad=%d %r" % (good, bad, odd[:3]))
"""#

        static let writer = #"""
import os, sys
path, a, b, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(n):
    v = (b if i % 2 == 0 else a).encode()
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, v)
    os.close(fd)
print("wrote=%d" % n)
"""#

        /// Opens a file for write, writes half a value, says so, and waits to be killed.
        static let stuck = #"""
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"partial")
print("holding", flush=True)
time.sleep(60)
"""#

        @Test func readersSeeWholeValuesWhileHostileClientsHitTheMount() throws {
            try VaultMountFixture.with(Concurrency.setup) { mount in
                let v = Concurrency.vault, path = mount.path("\(v)/secrets/rotating")
                let a = Concurrency.valueA, b = Concurrency.valueB
                let readers = try (0..<4).map { i in
                    try Concurrency.start(i % 2 == 0 ? TestCaller.secretsUser : TestCaller.groupMember, Concurrency.reader,
                                          [path, a, b, "150"], output: mount.directory + "/reader-\(i).out")
                }
                let writer = try Concurrency.start(TestCaller.officer, Concurrency.writer, [path, a, b, "60"],
                                                   output: mount.directory + "/writer.out")
                // Meanwhile: a client killed with an open, half-written file, and malformed requests.
                let stuck = try Concurrency.start(TestCaller.officer, Concurrency.stuck, [mount.path("\(v)/secrets/victim")],
                                                  output: mount.directory + "/stuck.out")
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline,
                      (try? String(contentsOfFile: mount.directory + "/stuck.out", encoding: .utf8))?.contains("holding") != true {
                    usleep(20_000)
                }
                let hostile = try mount.probe(TestCaller.officer, [
                    .create("\(v)/secrets/no_such_name", "x"), .stat("\(v)/secrets/bad..name"),
                    .setxattr("\(v)/secrets/quiet", "user.kv.tags", "[1,2"), .setxattr("\(v)/secrets/quiet", "user.kv.tags", "\u{1}"),
                    .writeBytes("\(v)/secrets/quiet", count: 30_000), .stat("\(v)/no-such-collection"),
                ])
                #expect(hostile.map(\.result) == ["EINVAL", "EINVAL", "EINVAL", "EINVAL", "EFBIG", "ENOENT"], "\(hostile)")
                kill(stuck.processIdentifier, SIGKILL)
                stuck.waitUntilExit()

                for (i, reader) in readers.enumerated() {
                    #expect(Concurrency.wait(reader, seconds: 90), "reader \(i) did not finish")
                    let out = (try? String(contentsOfFile: mount.directory + "/reader-\(i).out", encoding: .utf8)) ?? ""
                    #expect(out.hasPrefix("good=150 bad=0"), "reader \(i): \(out)")
                }
                #expect(Concurrency.wait(writer, seconds: 90), "writer did not finish")
                let wrote = (try? String(contentsOfFile: mount.directory + "/writer.out", encoding: .utf8)) ?? ""
                #expect(wrote.contains("wrote=60"), "writer: \(wrote)")
                #expect(try mount.versionCount(TestCaller.officer, v, "rotating") == 61)

                // Still serving, and the quiet secret untouched by the malformed requests.
                let after = try mount.probe(TestCaller.secretsUser, [.read("\(v)/secrets/quiet"), .read("\(v)/secrets/rotating"),
                                                                     .getxattr("\(v)/secrets/quiet", "user.kv.tags")])
                #expect(after[0].text == "q")
                #expect(after[1].text == a)
                #expect(after[2].result == "ENODATA")
                // The killed client's descriptor was closed by the kernel: its write is stored whole, or not at
                // all; never anything else.
                let victim = try mount.probe(TestCaller.secretsUser, .read("\(v)/secrets/victim"))
                #expect(victim.text == "original" || victim.text == "partial", "\(victim)")
                #expect(mount.isMounted)
            }
        }

        @Test func noDescriptorLeak() throws {
            try VaultMountFixture.with(Concurrency.setup) { mount in
                let v = Concurrency.vault
                // Warm up (lazily opened files, threads), then count.
                _ = try mount.probe(TestCaller.secretsUser, [.read("\(v)/secrets/quiet"), .list("\(v)/secrets")])
                Thread.sleep(forTimeInterval: 0.3)
                let before = try mount.daemonFDCount()
                let cycles = """
                import os, sys
                p = sys.argv[1]
                for i in range(200):
                    fd = os.open(p, os.O_RDONLY)
                    os.read(fd, 100)
                    os.close(fd)
                for i in range(50):
                    try:
                        os.open(p + "-missing", os.O_RDONLY)
                    except OSError:
                        pass
                print("done")
                """
                let out = try VaultProcess.run(TestCaller.secretsUser.setprivArguments
                                               + ["/usr/bin/python3", "-c", cycles, mount.path("\(v)/secrets/quiet")])
                #expect(out.stdout.contains("done"), "\(out)")
                let denied = try VaultProcess.run(TestCaller.nobody.setprivArguments
                                                  + ["/usr/bin/python3", "-c", cycles, mount.path("\(v)/secrets/quiet")])
                #expect(denied.status != 0, "a caller without a role must not read: \(denied)")
                Thread.sleep(forTimeInterval: 0.3)
                let after = try mount.daemonFDCount()
                #expect(after <= before, "daemon fds: \(before) before, \(after) after 200 open/close cycles")
            }
        }
    }

    /// Reads and denials through the mount reach the audit log with the caller's identity.
    @Suite struct Audit {
        @Test func readsAndDenialsAreAudited() throws {
            let setup = TestCaller.setup([.init(name: "audited")], secrets: [("audited", "s", "v")])
            try VaultMountFixture.with(setup) { mount in
                let cat = try mount.shell(TestCaller.secretsUser, "exec /usr/bin/cat audited/secrets/s")
                #expect(cat.stdout == "v")
                let denied = try mount.shell(TestCaller.reader, "exec /usr/bin/cat audited/secrets/s")
                #expect(!denied.succeeded)
                Thread.sleep(forTimeInterval: 0.3)
                let lines = try mount.auditLines()
                func caller(_ line: [String: Any]) -> [String: Any] { line["caller"] as? [String: Any] ?? [:] }
                let reads = lines.filter {
                    $0["operationName"] as? String == "SecretGet" && (caller($0)["uid"] as? Int) == 2001 && $0["object"] as? String == "s"
                }
                #expect(!reads.isEmpty, "no SecretGet by uid 2001 in \(lines.suffix(10))")
                if let read = reads.last {
                    #expect(read["resultType"] as? String == "Success")
                    #expect((caller(read)["pid"] as? Int ?? 0) > 0, "\(read)")
                    #expect(caller(read)["gid"] as? Int == 2001)
                    #expect((caller(read)["executable"] as? String)?.hasSuffix("/cat") == true, "\(read)")
                    #expect(read["vault"] as? String == "audited")
                    #expect(read["role"] as? String == "Key Vault Secrets User", "\(read)")
                }
                let failures = lines.filter {
                    $0["operationName"] as? String == "SecretGet" && (caller($0)["uid"] as? Int) == 2002
                }
                #expect(!failures.isEmpty, "no SecretGet by uid 2002 in \(lines.suffix(10))")
                if let failure = failures.last {
                    #expect(failure["resultType"] as? String == "Failure")
                    #expect(failure["resultSignature"] as? String == "ForbiddenByRbac", "\(failure)")
                    #expect((caller(failure)["executable"] as? String)?.hasSuffix("/cat") == true, "\(failure)")
                }
                // The chain is intact after the mount wrote to it.
                #expect(try mount.kvfs(["audit", "verify"]).stdout.contains("intact"))
            }
        }
    }
}
