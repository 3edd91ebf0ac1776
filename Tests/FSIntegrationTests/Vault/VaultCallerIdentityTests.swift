import Foundation
import Testing

extension VaultMountTests {
    /// Each request is decided for the process that makes it, as it is at that moment: no answer reused
    /// across callers, and nothing kept about a process after it changes its groups or executable.
    @Suite struct CallerIdentity {
        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: "who")], secrets: [("who", "s", "secret-value"), ("who", "gone", "old-value")])
        }

        /// One root shell runs the callers back to back, so a kernel cache would be hit if there were one.
        @Test func noAnswerIsReusedAcrossCallers() throws {
            try VaultMountFixture.with(CallerIdentity.setup) { mount in
                let file = mount.path("who/secrets/s")
                func asUser(_ id: VaultProcess.Identity, _ command: String) -> String {
                    (id.setprivArguments + [command]).joined(separator: " ")
                }
                let script = """
                \(asUser(TestCaller.officer, "/usr/bin/stat -c %a:%s:%u \(file)"))
                \(asUser(TestCaller.reader, "/usr/bin/stat -c %a:%s:%u \(file)"))
                \(asUser(TestCaller.officer, "/usr/bin/cat \(file)")); echo
                \(asUser(TestCaller.nobody, "/usr/bin/cat \(file)")) 2>/dev/null || echo denied
                \(asUser(TestCaller.secretsUser, "/usr/bin/cat \(file)")); echo
                \(asUser(TestCaller.reader, "/usr/bin/cat \(file)")) 2>/dev/null || echo denied
                """
                let out = try VaultProcess.run(["/bin/sh", "-c", script])
                #expect(out.stdout.split(separator: "\n").map(String.init)
                        == ["600:12:2003", "0:0:2002", "secret-value", "denied", "secret-value", "denied"], "\(out)")
            }
        }

        /// A process that drops a supplementary group loses what the group granted, at once.
        @Test func droppingAGroupDropsItsAccess() throws {
            try VaultMountFixture.with(CallerIdentity.setup) { mount in
                // Root (the store's owner, no role of its own) holding group 3001 (Secrets User), then dropping it.
                let source = """
                import os, sys, errno
                def attempt():
                    try:
                        with open(sys.argv[1]) as f:
                            return f.read()
                    except OSError as e:
                        return errno.errorcode[e.errno]
                first = attempt()
                os.setgroups([])
                print(first, attempt())
                """
                let out = try VaultProcess.run(["/usr/bin/setpriv", "--groups=3001", "/usr/bin/python3", "-c", source,
                                                mount.path("who/secrets/s")])
                #expect(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "secret-value EACCES", "\(out)")
            }
        }

        /// The audit names the program that made the request, even when the process exec'd after an earlier
        /// request (a shell that looks a path up and then execs `cat`).
        @Test func auditNamesTheExecutableAfterExec() throws {
            try VaultMountFixture.with(CallerIdentity.setup) { mount in
                let out = try mount.shell(TestCaller.secretsUser, "cd who/secrets && test -e s && exec /usr/bin/cat s")
                #expect(out.stdout == "secret-value", "\(out)")
                Thread.sleep(forTimeInterval: 0.2)
                let gets = try mount.auditLines().filter { $0["operationName"] as? String == "SecretGet" }
                let caller = gets.last?["caller"] as? [String: Any] ?? [:]
                #expect(caller["executable"] as? String == "/usr/bin/cat", "\(gets.last ?? [:])")
            }
        }

        /// A soft-deleted secret's content cannot be read through its version files either.
        @Test func deletedSecretVersionsAreUnreadable() throws {
            try VaultMountFixture.with(CallerIdentity.setup) { mount in
                let o = TestCaller.officer
                let versions = try mount.probe(o, .list("who/secrets/.versions/gone")).names
                #expect(versions.count == 1)
                let version = versions.first ?? "0"
                let r = try mount.probe(o, [.unlink("who/secrets/gone"), .read("who/secrets/.versions/gone/\(version)"),
                                           .list("who/secrets/.versions"), .read("who/.deleted/secrets/gone")])
                #expect(r[0].ok)
                #expect(r[1].result == "ENOENT" || r[1].result == "EACCES", "a deleted secret's version was readable: \(r[1])")
                #expect(!r[2].names.contains("gone"), "\(r[2])")
                #expect(r[3].result == "EACCES")
            }
        }
    }
}
