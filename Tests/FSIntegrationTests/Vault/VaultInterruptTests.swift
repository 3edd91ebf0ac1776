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
                // A batch's audit lines fold into one line per operation and outcome, written when the batch ends:
                // the signs that ran are the sum of the lines' counts.
                func signs() throws -> Int {
                    try mount.auditLines().filter { $0["operationName"] as? String == "KeySign" && $0["object"] as? String == "big" }
                        .reduce(0) { $0 + ((($1["count"] as? NSNumber)?.intValue) ?? 1) }
                }
                // The daemon's CPU time (user + system), in seconds.
                func daemonCPU() -> Double {
                    let stat = (try? String(contentsOfFile: "/proc/\(mount.daemonPID)/stat", encoding: .utf8)) ?? ""
                    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
                    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
                    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
                }
                // Wait until the batch runs — the client has written and the daemon has spent half a second of CPU
                // on it, tens of RSA-4096 signs — then kill the client.
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, !((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("writing") { usleep(20_000) }
                let cpuBefore = daemonCPU()
                while Date() < deadline, daemonCPU() - cpuBefore < 0.5 { usleep(20_000) }
                #expect(daemonCPU() - cpuBefore >= 0.5, "the batch never started: \(mount.daemonLog.suffix(2000))")
                let atKill = try signs()
                #expect(atKill == 0, "a batch's lines are written when it ends")
                let killed = Date()
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let exitSeconds = Date().timeIntervalSince(killed)
                // Without interrupts the killed client waits, unkillable, for the whole batch (~1500 signs).
                #expect(exitSeconds < 2, "the killed client took \(exitSeconds) s to go")
                let out = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                #expect(!out.contains("written"), "the write completed: \(out)")
                // The daemon goes idle: the count of signs settles a few operations after the kill.
                // The stopped batch's lines reach the log once it ends.
                let flushed = Date().addingTimeInterval(10)
                while Date() < flushed, try signs() == 0 { usleep(20_000) }
                let settled = try signs()
                usleep(300_000)
                let later = try signs()
                #expect(later == settled, "signs went on after the kill: \(settled) then \(later)")
                #expect(later > 0 && later < total, "ran \(later) of \(total) signs")
                print("interrupt: client gone \(String(format: "%.3f", exitSeconds)) s after SIGKILL; \(later) of \(total) signs ran")
                try KeyRobustness.stillServes(mount, v, "after the interrupted batch")
            }
        }
    }
}
