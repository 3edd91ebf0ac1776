import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// The mount stays up through malformed requests, an oversized write, and clients killed mid-request.
    @Suite(.serialized) struct KeyRobustness {
        static let vault = "krobust"

        /// The mount still answers a sign and a verify, as `who`.
        static func stillServes(_ mount: VaultMountFixture, _ v: String, _ note: String) throws {
            let digest = KeyJSON.random(32)
            let signed = try mount.keyOp(KeyCaller.cryptoUser, "\(v)/keys/k/ops", KeyJSON.request("sign", "ES256", value: digest))
            let sig = signed.valueText.flatMap(KeyJSON.fromB64url) ?? []
            let verified = try mount.keyOp(KeyCaller.cryptoUser, "\(v)/keys/k/ops", KeyJSON.request("verify", "ES256", value: sig, digest: digest))
            #expect(mount.daemon?.isRunning == true && mount.isMounted, "daemon gone \(note): \(mount.daemonLog.suffix(2000))")
            #expect(verified.verdict == true, "\(note): \(signed) \(verified)")
        }

        @Test func malformedOversizedAndKilledClients() throws {
            let v = KeyRobustness.vault
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                try mount.createKey(KeyCaller.administrator, vault: v, ["name": "k", "kty": "EC", "crv": "P-256"])
                try mount.createKey(KeyCaller.administrator, vault: v, ["name": "big", "kty": "RSA", "key_size": 4096])
                let ops = "\(v)/keys/k/ops"
                // Malformed requests fail the write with EINVAL; the answer of the open file is not a result. A
                // request may take several writes, so an incomplete one fails the read that ends it instead.
                for (path, request) in [(ops, #"{"op":"sign","#), ("\(v)/keys/.ops", #"{"op":"create","name":"x","kty":"#)] {
                    let result = try mount.keyOp(KeyCaller.officer, path, request)
                    #expect(result.write == "OK" && result.readError == "EINVAL", "\(request): \(result)")
                    #expect(result.object["value"] == nil && result.array.isEmpty, "\(request): \(result)")
                }
                let malformed: [(String, String)] = [
                    (ops, "not json at all"),
                    (ops, ""),
                    (ops, #"{"op":"frobnicate","alg":"ES256","value":"AAAA"}"#),
                    (ops, #"{"op":"sign","value":"AAAA"}"#),
                    (ops, #"{"op":"sign","alg":"ES256","value":"not base64url!"}"#),
                    (ops, #"[{"op":"sign","alg":"ES256","value":"AAAA"},{"op":"sign"}]"#),
                    (ops, "\u{00}\u{01}\u{02}"),
                    ("\(v)/keys/.ops", #"{"op":"delete","name":"k"}"#),
                ]
                for (path, request) in malformed {
                    let result = try mount.keyOp(KeyCaller.officer, path, request)
                    if request.isEmpty {
                        // A zero-length write may not reach the file system at all; either way nothing is answered.
                        #expect(result.ok && (result.write == "OK" || result.write == "EINVAL") && (result.answer ?? "").isEmpty,
                                "empty write: \(result)")
                    } else {
                        #expect(result.write == "EINVAL", "\(request): \(result)")
                        #expect(result.object["value"] == nil && result.array.isEmpty, "\(request): \(result)")
                    }
                }
                try KeyRobustness.stillServes(mount, v, "after malformed requests")
                #expect(try mount.keyProbe(KeyCaller.officer, .stat("\(v)/keys/k")).ok, "the delete request did nothing")

                // A 2 MiB write to ops is EFBIG (the limit is 1 MiB less 4 KiB per request), and so is one just over it;
                // neither runs anything. A request within the limit is one request, whatever the buffer's
                // alignment. Each body is a valid sign request padded with spaces.
                func signs() throws -> Int {
                    try mount.auditLines().filter { $0["operationName"] as? String == "KeySign" && $0["object"] as? String == "k" }.count
                }
                let signsBefore = try signs()
                let big = try mount.keyProbe(KeyCaller.cryptoUser, [
                    .bigWrite(ops, count: 2 << 20),
                    .bigWrite(ops, count: (1 << 20) - 4096 + 1),
                    .bigWrite("\(v)/keys/.ops", count: 2 << 20),
                ])
                #expect(big[0].write == "EFBIG", "2 MiB write to ops: \(big[0])")
                #expect(big[1].write == "EFBIG", "limit + 1 write to ops: \(big[1])")
                #expect(big[2].write == "EFBIG", "2 MiB write to keys/.ops: \(big[2])")
                #expect(try signs() == signsBefore, "an oversized write ran (part of) its request")
                let within = try mount.keyProbe(KeyCaller.cryptoUser, [
                    .bigWrite(ops, count: (1 << 20) - 4096),
                    .bigWrite(ops, count: (1 << 20) - 4096, padFirst: true),
                    .bigWrite(ops, count: 500 << 10, padFirst: true),
                ])
                for (index, result) in within.enumerated() {
                    #expect(result.write == "OK" && result.valueText != nil, "request \(index) within the limit: \(result)")
                }
                try KeyRobustness.stillServes(mount, v, "after oversized writes")

                // Clients killed mid-request: a long batch on a 4096-bit key, SIGKILLed while the write is being
                // served; one that wrote and never read; one that opened and never wrote.
                let client = #"""
import base64, json, os, sys, time
path, mode = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDWR)
if mode == "batch":
    req = [{"op": "sign", "alg": "PS512", "value": base64.urlsafe_b64encode(os.urandom(64)).rstrip(b"=").decode()} for _ in range(1500)]
    print("writing", flush=True)
    os.write(fd, json.dumps(req).encode())
elif mode == "noread":
    os.write(fd, json.dumps({"op": "sign", "alg": "PS512", "value": base64.urlsafe_b64encode(os.urandom(64)).rstrip(b"=").decode()}).encode())
print("waiting", flush=True)
time.sleep(60)
"""#
                var killed: [(Process, String)] = []
                for (index, mode) in ["batch", "batch", "noread", "open"].enumerated() {
                    let output = mount.directory + "/killed-\(index).out"
                    FileManager.default.createFile(atPath: output, contents: nil)
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                    process.arguments = Array(KeyCaller.cryptoUser.setprivArguments.dropFirst())
                        + ["/usr/bin/python3", "-c", client, mount.path("\(v)/keys/big/ops"), mode]
                    process.environment = VaultProcess.childEnvironment
                    process.standardInput = FileHandle.nullDevice
                    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                    process.standardError = process.standardOutput
                    try process.run()
                    killed.append((process, output))
                }
                // Wait until the batch clients are inside their write and the others are waiting, then SIGKILL all.
                func said(_ index: Int, _ word: String) -> Bool {
                    ((try? String(contentsOfFile: killed[index].1, encoding: .utf8)) ?? "").contains(word)
                }
                let deadline = Date().addingTimeInterval(15)
                while Date() < deadline, !(said(0, "writing") && said(1, "writing") && said(2, "waiting") && said(3, "waiting")) {
                    usleep(10_000)
                }
                usleep(200_000)
                let midWrite = (0..<2).filter { said($0, "writing") && !said($0, "waiting") }.count
                for (process, _) in killed { kill(process.processIdentifier, SIGKILL) }
                for (process, _) in killed { process.waitUntilExit() }
                #expect(midWrite > 0, "no client was still inside its write when killed; the batch was too short")
                try KeyRobustness.stillServes(mount, v, "after killed clients")
                try KeyRobustness.stillServes(mount, v, "at the end")
            }
        }
    }
}
