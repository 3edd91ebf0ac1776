import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// The audit trail stays complete and small, and no caller can exhaust the daemon through control files:
    /// identical lines of one caller fold into one line with a count, a key-operation batch writes one line per
    /// operation and outcome, and each uid has bounds on open control files and the bytes they hold.
    @Suite(.serialized) struct AuditBudget {
        static let vault = "budget"
        /// A uid no principal is bound to.
        static let stranger = VaultProcess.Identity(uid: 2999, gid: 2999)

        static func uid(_ line: [String: Any]) -> Int? { ((line["caller"] as? [String: Any])?["uid"] as? NSNumber)?.intValue }

        @Test func principalLessRefusalsAreAuditedAndFoldedExactly() throws {
            let v = AuditBudget.vault
            try VaultMountFixture.with(TestCaller.setup([.init(name: v)], secrets: [(v, "s", "value")])) { mount in
                let before = try mount.auditLines().count
                // One process, 10,000 refused opens of a secret in a vault where the uid is nobody.
                let loop = try mount.python(AuditBudget.stranger, """
import errno, os, sys
refused = 0
for _ in range(10000):
    try:
        os.close(os.open(sys.argv[1], os.O_RDONLY))
    except PermissionError:
        refused += 1
print(refused)
""", [mount.path("\(v)/secrets/s")], timeout: 120)
                #expect(loop.succeeded && loop.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10000", "\(loop)")

                let refusals = try mount.auditLines(adding: 10000) { AuditBudget.uid($0) == 2999 }
                // The uid is recorded, with the refusal, and the counts add up to exactly the requests made.
                #expect(!refusals.isEmpty)
                #expect(refusals.allSatisfy { $0["resultType"] as? String == "Failure" && $0["resultSignature"] as? String == "ForbiddenByRbac" })
                #expect(refusals.allSatisfy { $0["operationName"] as? String == "VaultGet" && $0["vault"] as? String == v })
                #expect(VaultMountFixture.requests(in: refusals) == 10000, "\(refusals.count) lines")
                // A bounded number of lines: one per 1 s window the loop ran, not one per request.
                #expect(refusals.count <= 30, "\(refusals.count) lines for 10,000 refusals")
                let added = try mount.auditLines().count - before
                #expect(added == refusals.count, "only the refusals were added")
                #expect(try mount.kvfs(["audit", "verify"]).stdout.contains("intact"))
                // A single refusal of a principal-less caller is one plain line with its uid.
                let one = try mount.probe(AuditBudget.stranger, .read("\(v)/secrets/s"))
                #expect(one.result == "EACCES")
                let all = try mount.auditLines(adding: 10001) { AuditBudget.uid($0) == 2999 }
                #expect(VaultMountFixture.requests(in: all) == 10001)
                #expect(all.last?["count"] == nil, "\(all.last ?? [:])")
            }
        }

        @Test func getfattrOfOneFileIsOneLine() throws {
            let v = AuditBudget.vault
            try VaultMountFixture.with(TestCaller.setup([.init(name: v)], secrets: [(v, "s", "value")])) { mount in
                let before = try mount.auditLines().count
                let dump = try mount.shell(TestCaller.secretsUser, "exec /usr/bin/getfattr -d \(v)/secrets/s")
                #expect(dump.succeeded && dump.stdout.contains("user.kv.version"), "\(dump)")
                let lines = try mount.auditLines(adding: 1) { AuditBudget.uid($0) == 2001 }
                #expect(lines.count == 1, "\(lines)")
                #expect(lines.first?["operationName"] as? String == "SecretGetMetadata")
                #expect(((lines.first?["count"] as? NSNumber)?.intValue ?? 1) > 1, "the attributes read are counted")
                #expect(try mount.auditLines().count == before + 1)
                // `ls -l` of a secret writes none (a stat is not an operation).
                let list = try mount.shell(TestCaller.secretsUser, "exec /usr/bin/ls -l \(v)/secrets/s")
                #expect(list.succeeded, "\(list)")
                let probe = try mount.probe(TestCaller.secretsUser, .read("\(v)/secrets/s"))
                #expect(probe.ok)
                let after = try mount.auditLines(adding: 2) { AuditBudget.uid($0) == 2001 }
                #expect(after.count == 2 && after.last?["operationName"] as? String == "SecretGet", "\(after)")
            }
        }

        @Test func certificateDirectoriesWriteNoLineOnStatOrListing() throws {
            let v = AuditBudget.vault
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                try mount.createCertificate(KeyCaller.administrator, vault: v, name: "c", policy: CertPolicy.quick("c.test"))
                let before = try mount.auditLines().count
                let run = try mount.shell(KeyCaller.administrator, "/usr/bin/ls -l \(v)/certificates/c && /usr/bin/stat \(v)/certificates/c/cert.pem \(v)/certificates/c/policy.json >/dev/null")
                #expect(run.succeeded && run.stdout.contains("cert.pem") && run.stdout.contains("policy.json"), "\(run)")
                // The refusal of a caller without a role is still audited.
                let denied = try mount.probe(AuditBudget.stranger, .stat("\(v)/certificates/c/cert.pem"))
                #expect(denied.result == "EACCES")
                _ = try mount.auditLines(adding: 1) { AuditBudget.uid($0) == 2999 }
                let added = Array(try mount.auditLines().dropFirst(before))
                #expect(added.count == 1 && AuditBudget.uid(added[0]) == 2999,
                        "\(added.map { "\($0["operationName"] ?? "")/\($0["resultType"] ?? "")/\(AuditBudget.uid($0) ?? 0)" })")
            }
        }

        @Test func aThousandRequestBatchIsOneLineWithExactCounts() throws {
            let v = AuditBudget.vault
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                try mount.createKey(KeyCaller.administrator, vault: v, ["name": "k", "kty": "EC", "crv": "P-256"])
                let digest = KeyJSON.b64url(KeyJSON.random(32))
                let signed = try mount.keyOp(KeyCaller.cryptoUser, "\(v)/keys/k/ops", KeyJSON.request("sign", "ES256", value: KeyJSON.fromB64url(digest)!))
                let signature = try #require(signed.object["value"] as? String)
                let before = try mount.auditLines()
                // A Reader verifies: 999 good signatures and one with a digest of the wrong length.
                var batch = Array(repeating: "{\"op\":\"verify\",\"alg\":\"ES256\",\"digest\":\"\(digest)\",\"value\":\"\(signature)\"}", count: 999)
                batch.append("{\"op\":\"verify\",\"alg\":\"ES256\",\"digest\":\"AAAA\",\"value\":\"\(signature)\"}")
                let result = try mount.keyOp(KeyCaller.reader, "\(v)/keys/k/ops", "[" + batch.joined(separator: ",") + "]")
                #expect(result.answered, "\(result)")
                let lines = try mount.auditLines(adding: 1000) { AuditBudget.uid($0) == 2102 }
                #expect(lines.count == 2, "one line per outcome: \(lines.count)")
                let ok = lines.filter { $0["resultType"] as? String == "Success" }
                let bad = lines.filter { $0["resultType"] as? String == "Failure" }
                #expect((ok.first?["count"] as? NSNumber)?.intValue == 999)
                #expect(bad.count == 1 && bad.first?["count"] == nil)
                #expect(lines.allSatisfy { $0["operationName"] as? String == "KeyVerify" && $0["algorithm"] as? String == "ES256" })
                #expect(try mount.auditLines().count == before.count + 2)
            }
        }

        @Test func theNextControlFileOfOneCallerIsEMFILEAndOthersAreUnaffected() throws {
            let v = AuditBudget.vault
            var setup = KeyCaller.setup(v)
            setup.mountArguments = ["--max-control-files", "8", "--max-control-bytes", "65536"]
            try VaultMountFixture.with(setup) { mount in
                try mount.createKey(KeyCaller.administrator, vault: v, ["name": "k", "kty": "EC", "crv": "P-256"])
                let holder = """
import errno, json, os, sys
paths = sys.argv[1:]
fds, out = [], []
for p in paths:
    try:
        fds.append(os.open(p, os.O_RDWR))
        out.append("OK")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
# 64 KiB of requests in progress fill the byte budget: the write past it is EAGAIN.
chunk = b'[' + b' ' * 8191
writes = []
for i in range(9):
    try:
        os.write(fds[i % len(fds)], chunk)
        writes.append("OK")
    except OSError as e:
        writes.append(errno.errorcode[e.errno])
# Another caller meanwhile opens and uses a control file as usual.
sys.stdout.write(json.dumps({"opens": out, "writes": writes}) + "\\n")
sys.stdout.flush()
sys.stdin.readline()
for fd in fds: os.close(fd)
# Once closed, the budget is given back.
fd = os.open(paths[0], os.O_RDWR)
os.close(fd)
print("reopened")
"""
                let paths = (0..<9).map { _ in mount.path("\(v)/keys/k/ops") }
                // Run the holder in the background with its stdin on a pipe we control.
                let (fromHolder, toHolder) = (Pipe(), Pipe())
                let process = Process()
                process.executableURL = URL(fileURLWithPath: KeyCaller.reader.setprivArguments[0])
                process.arguments = Array(KeyCaller.reader.setprivArguments.dropFirst()) + ["/usr/bin/python3", "-c", holder] + paths
                process.standardOutput = fromHolder
                process.standardInput = toHolder
                try process.run()
                defer {
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                    process.waitUntilExit()
                }
                let first = try #require(String(data: fromHolder.fileHandleForReading.availableLine(), encoding: .utf8))
                let report = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: [String]])
                #expect(report["opens"] == Array(repeating: "OK", count: 8) + ["EMFILE"], "\(report)")
                #expect(report["writes"] == Array(repeating: "OK", count: 8) + ["EAGAIN"], "\(report)")
                // Another uid is unaffected: it opens, signs and reads its answer.
                let digest = KeyJSON.random(32)
                let other = try mount.keyOp(KeyCaller.cryptoUser, "\(v)/keys/k/ops", KeyJSON.request("sign", "ES256", value: digest))
                #expect(other.answered && other.object["value"] is String, "\(other)")
                toHolder.fileHandleForWriting.write(Data("\n".utf8))
                process.waitUntilExit()
                let rest = String(data: fromHolder.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? ""
                #expect(process.terminationStatus == 0 && rest.contains("reopened"), "\(rest)")
            }
        }
    }
}

extension FileHandle {
    /// Bytes up to and including the next newline (blocking).
    func availableLine() -> Data {
        var line = Data()
        while true {
            let byte = readData(ofLength: 1)
            if byte.isEmpty { return line }
            line.append(byte)
            if byte.first == 0x0a { return line }
        }
    }
}
