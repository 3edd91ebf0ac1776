import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// `kvfs mount --audit-checkpoints FILE`: a checkpoint when the mount starts, after every N lines, and at a
    /// clean shutdown; `kvfs audit verify --checkpoint FILE --public-key K` holds on an intact store and fails
    /// (exit 6) on one whose log was truncated with an older sealed head put back.
    @Suite struct AuditCheckpoints {
        @Test func aMountEmitsCheckpointsThatCatchATruncatedLog() throws {
            var template = Array("/tmp/kvfs-checkpoints-XXXXXX".utf8CString)
            let scratch = String(cString: try #require(mkdtemp(&template)))
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let file = scratch + "/checkpoints"
            var setup = TestCaller.setup([.init(name: "audited")], secrets: [("audited", "s", "checkpointed-value")])
            // One line per request (no folding), so eight reads are eight new lines.
            setup.mountArguments = ["--audit-checkpoints", file, "--audit-checkpoint-lines", "5", "--audit-window", "0"]
            func count() -> Int {
                ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").count
            }
            var beforeShutdown = 0
            try VaultMountFixture.with(setup) { mount in
                #expect(count() == 1, "one checkpoint at start")
                let key = try mount.kvfs(["audit", "checkpoint-key"]).stdout
                #expect(key.hasPrefix("-----BEGIN PUBLIC KEY-----"))
                try Data(key.utf8).write(to: URL(fileURLWithPath: scratch + "/key.pem"))
                let head = try mount.kvfs(["audit", "list"]).stdout.split(separator: "\n").count
                let oldHead = try VaultProcess.run(["/usr/bin/sqlite3", mount.store + "/kvfs.db", "SELECT value FROM meta WHERE key = 'audit_head'"]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                for _ in 0..<8 { #expect(try mount.probe(TestCaller.secretsUser, .read("audited/secrets/s")).text == "checkpointed-value") }
                let deadline = Date().addingTimeInterval(5)
                while count() < 2 && Date() < deadline { usleep(100_000) }
                #expect(count() >= 2, "a checkpoint after 5 more lines")
                beforeShutdown = count()

                let intact = try VaultProcess.run([VaultMountFixture.kvfsPath, "audit", "verify", "--store", mount.store,
                                                   "--checkpoint", file, "--public-key", scratch + "/key.pem"])
                #expect(intact.status == 0 && intact.stdout.contains("intact"), "\(intact)")

                // Stop the daemon cleanly: it adds its last checkpoint.
                let ending = try #require(mount.daemon).stop(with: SIGTERM, grace: 5)
                #expect(ending.isClean)
                #expect(count() == beforeShutdown + 1, "a checkpoint at shutdown")
                let text = try String(contentsOfFile: file, encoding: .utf8)
                #expect(!text.contains("checkpointed-value"))

                // The owner truncates the log and puts back the older sealed head: the plain check passes ...
                let sql = "DELETE FROM audit WHERE seq > \(head); UPDATE meta SET value = '\(oldHead)' WHERE key = 'audit_head';"
                #expect(try VaultProcess.run(["/usr/bin/sqlite3", mount.store + "/kvfs.db", sql]).succeeded)
                let plain = try VaultProcess.run([VaultMountFixture.kvfsPath, "audit", "verify", "--store", mount.store])
                #expect(plain.status == 0, "\(plain)")
                // ... the checkpoints do not.
                let caught = try VaultProcess.run([VaultMountFixture.kvfsPath, "audit", "verify", "--store", mount.store,
                                                   "--checkpoint", file, "--public-key", scratch + "/key.pem"])
                #expect(caught.status == 6 && caught.stderr.contains("rolled back"), "\(caught)")
            }
        }
    }
}
