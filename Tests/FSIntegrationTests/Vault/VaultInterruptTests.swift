import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// FUSE_INTERRUPT: a client killed while its batch runs is answered at once with EINTR, and the batch
    /// stops there — the operations not yet run are neither run nor audited.
    @Suite(.serialized) struct Interrupts {
        static let vault = "kinterrupt"

        @Test func aKilledClientsBatchStopsAtOnce() throws {
            let v = Interrupts.vault
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                try mount.createKey(KeyCaller.administrator, vault: v, ["name": "k", "kty": "EC", "crv": "P-256"])
                try mount.createKey(KeyCaller.administrator, vault: v, ["name": "big", "kty": "RSA", "key_size": 4096])
                let total = 1500
                let client = #"""
import base64, json, os, sys
path, total = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDWR)
req = [{"op": "sign", "alg": "PS512", "value": base64.urlsafe_b64encode(os.urandom(64)).rstrip(b"=").decode()} for _ in range(total)]
print("writing", flush=True)
os.write(fd, json.dumps(req).encode())
print("written", flush=True)
"""#
                let output = mount.directory + "/interrupted.out"
                FileManager.default.createFile(atPath: output, contents: nil)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                process.arguments = Array(KeyCaller.cryptoUser.setprivArguments.dropFirst())
                    + ["/usr/bin/python3", "-c", client, mount.path("\(v)/keys/big/ops"), String(total)]
                process.environment = VaultProcess.childEnvironment
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                process.standardError = process.standardOutput
                try process.run()
                defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
                func signs() throws -> Int {
                    try mount.auditLines().filter { $0["operationName"] as? String == "KeySign" && $0["object"] as? String == "big" }.count
                }
                // Wait until the batch runs (its first signs reach the audit log), then kill the client.
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, try signs() < 5 { usleep(20_000) }
                let atKill = try signs()
                #expect(atKill >= 5, "the batch never started: \(mount.daemonLog.suffix(2000))")
                let killed = Date()
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let exitSeconds = Date().timeIntervalSince(killed)
                // Without interrupts the killed client waits, unkillable, for the whole batch (~1500 signs).
                #expect(exitSeconds < 2, "the killed client took \(exitSeconds) s to go")
                let out = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                #expect(!out.contains("written"), "the write completed: \(out)")
                // The daemon goes idle: the count of signs settles a few operations after the kill.
                let settled = try signs()
                usleep(300_000)
                let later = try signs()
                #expect(later == settled, "signs went on after the kill: \(settled) then \(later)")
                #expect(later - atKill < 50 && later < total, "ran \(later - atKill) signs after the kill, \(later) of \(total)")
                print("interrupt: client gone \(String(format: "%.3f", exitSeconds)) s after SIGKILL; \(later - atKill) signs ran after the kill, \(later) of \(total) in all")
                try KeyRobustness.stillServes(mount, v, "after the interrupted batch")
            }
        }
    }
}
