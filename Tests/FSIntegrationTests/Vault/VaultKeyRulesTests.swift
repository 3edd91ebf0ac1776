import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// The key's state through the mount: dates, key_ops, disabled, versions, batches, and two clients on one
    /// ops file.
    @Suite(.serialized) struct KeyRules {
        static let vault = "krules"
        static let admin = KeyCaller.administrator
        static let user = KeyCaller.cryptoUser

        /// Runs openssl as root on files outside the mount.
        @discardableResult
        static func openssl(_ arguments: [String], input: Data? = nil) throws -> VaultProcess.Outcome {
            let outcome = try VaultProcess.run(["/usr/bin/openssl"] + arguments, input: input)
            guard outcome.succeeded else { throw VaultTestError("openssl \(arguments.joined(separator: " ")): \(outcome)") }
            return outcome
        }

        /// ECDSA-Sig-Value (DER) → raw r‖s of `size` bytes each.
        static func rawSignature(_ der: [UInt8], size: Int) -> [UInt8]? {
            var i = 0
            func length() -> Int? {
                guard i < der.count else { return nil }
                var n = Int(der[i]); i += 1
                if n & 0x80 != 0 {
                    let count = n & 0x7f; n = 0
                    for _ in 0..<count { guard i < der.count else { return nil }; n = n << 8 | Int(der[i]); i += 1 }
                }
                return n
            }
            guard der.first == 0x30 else { return nil }
            i = 1
            guard length() != nil else { return nil }
            var out: [UInt8] = []
            for _ in 0..<2 {
                guard i < der.count, der[i] == 0x02 else { return nil }
                i += 1
                guard let n = length(), i + n <= der.count else { return nil }
                var int = Array(der[i..<(i + n)]); i += n
                while int.count > size, int.first == 0 { int.removeFirst() }
                guard int.count <= size else { return nil }
                out += [UInt8](repeating: 0, count: size - int.count) + int
            }
            return out
        }

        static func version(of bundle: [String: Any]) -> String? {
            ((bundle["key"] as? [String: Any])?["kid"] as? String)?.split(separator: "/").last.map(String.init)
        }

        @Test func datesKeyOpsAndDisabled() throws {
            let v = KeyRules.vault, admin = KeyRules.admin, user = KeyRules.user
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                let now = Int(Date().timeIntervalSince1970)
                // Created through keys/.ops already expired, and one not yet valid.
                let expired = try mount.createKey(admin, vault: v, ["name": "expired", "kty": "RSA", "key_size": 2048,
                                                                    "attributes": ["exp": now - 3600]])
                #expect((expired["attributes"] as? [String: Any])?["exp"] as? Int == now - 3600, "\(expired)")
                try mount.createKey(admin, vault: v, ["name": "early", "kty": "EC", "crv": "P-256",
                                                      "attributes": ["nbf": now + 86400]])
                // An EC key imported (PKCS#8 PEM made here with openssl) with exp in the past: openssl signs locally
                // and the vault must still verify.
                let scratch = mount.directory + "/ec-import.pem"
                try KeyRules.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", scratch])
                let pem = try String(contentsOfFile: scratch, encoding: .utf8)
                let imported = try mount.keyProbe(admin, .ops("\(v)/keys/.ops", KeyJSON.text(
                    ["op": "import", "name": "expired-ec", "pem": pem, "attributes": ["exp": now - 60]])))
                #expect(imported.answered && imported.errorCode == nil, "\(imported)")
                let digest = KeyJSON.random(32)
                try Data(digest).write(to: URL(fileURLWithPath: mount.directory + "/digest.bin"))
                let der = try KeyRules.openssl(["pkeyutl", "-sign", "-inkey", scratch, "-in", mount.directory + "/digest.bin",
                                                "-out", mount.directory + "/sig.der"])
                _ = der
                let derSig = Array(try Data(contentsOf: URL(fileURLWithPath: mount.directory + "/sig.der")))
                let rawSig = try #require(KeyRules.rawSignature(derSig, size: 32))
                // Something openssl encrypted to the expired RSA key's public.pem (read through the mount).
                let secret = KeyJSON.random(32)
                let pemOut = try mount.keyProbe(admin, .read("\(v)/keys/expired/public.pem"))
                try (pemOut.text ?? "").write(toFile: mount.directory + "/expired.pub.pem", atomically: true, encoding: .utf8)
                try Data(secret).write(to: URL(fileURLWithPath: mount.directory + "/secret.bin"))
                try KeyRules.openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", mount.directory + "/expired.pub.pem",
                                      "-in", mount.directory + "/secret.bin", "-out", mount.directory + "/secret.ct",
                                      "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"])
                let ct = Array(try Data(contentsOf: URL(fileURLWithPath: mount.directory + "/secret.ct")))

                let e = "\(v)/keys/expired/ops", eec = "\(v)/keys/expired-ec/ops"
                let results = try mount.keyProbe(user, [
                    .ops(e, KeyJSON.request("sign", "RS256", value: digest)),
                    .ops(e, KeyJSON.request("encrypt", "RSA-OAEP-256", value: secret)),
                    .ops(e, KeyJSON.request("wrapKey", "RSA-OAEP-256", value: secret)),
                    .ops(e, KeyJSON.request("decrypt", "RSA-OAEP-256", value: ct)),
                    .ops(e, KeyJSON.request("unwrapKey", "RSA-OAEP-256", value: ct)),
                    .ops(e, KeyJSON.request("verify", "RS256", value: KeyJSON.random(256), digest: digest)),
                    .ops(eec, KeyJSON.request("sign", "ES256", value: digest)),
                    .ops(eec, KeyJSON.request("verify", "ES256", value: rawSig, digest: digest)),
                    .ops("\(v)/keys/early/ops", KeyJSON.request("sign", "ES256", value: digest)),
                    .read("\(v)/keys/expired/public.pem"),
                ])
                #expect(results[0].write == "OK" && results[0].errorCode == "KeyExpired", "sign on expired: \(results[0])")
                #expect(results[1].write == "OK" && results[1].errorCode == "KeyExpired", "encrypt on expired: \(results[1])")
                #expect(results[2].write == "OK" && results[2].errorCode == "KeyExpired", "wrapKey on expired: \(results[2])")
                #expect(results[3].valueText == KeyJSON.b64url(secret), "decrypt on expired works: \(results[3])")
                #expect(results[4].valueText == KeyJSON.b64url(secret), "unwrapKey on expired works: \(results[4])")
                #expect(results[5].verdict == false && results[5].errorCode == nil, "verify on expired answers: \(results[5])")
                #expect(results[6].errorCode == "KeyExpired", "sign on imported expired: \(results[6])")
                #expect(results[7].verdict == true, "verify of openssl's signature on expired key: \(results[7])")
                #expect(results[8].write == "OK" && results[8].errorCode == "KeyNotYetValid", "sign before nbf: \(results[8])")
                #expect(results[9].text?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true, "public.pem of an expired key: \(results[9])")

                // key_ops ["verify"]: sign refused with KeyOperationForbidden; widening them with setfattr allows it.
                try mount.createKey(admin, vault: v, ["name": "vonly", "kty": "EC", "crv": "P-256", "key_ops": ["verify"]])
                let o = "\(v)/keys/vonly/ops"
                let ops = try mount.keyProbe(user, [
                    .ops(o, KeyJSON.request("sign", "ES256", value: digest)),
                    .getxattr("\(v)/keys/vonly", "user.kv.key_ops"),
                    .ops(o, KeyJSON.request("verify", "ES256", value: KeyJSON.random(64), digest: digest)),
                    .setxattr("\(v)/keys/vonly", "user.kv.key_ops", "sign,verify"),
                    .ops(o, KeyJSON.request("sign", "ES256", value: digest)),
                    .setxattr("\(v)/keys/vonly", "user.kv.key_ops", "encrypt"),
                    .getxattr("\(v)/keys/vonly", "user.kv.key_ops"),
                ])
                #expect(ops[0].write == "OK" && ops[0].errorCode == "KeyOperationForbidden", "\(ops[0])")
                #expect(ops[1].text == "verify", "\(ops[1])")
                #expect(ops[2].verdict == false, "verify is in key_ops: \(ops[2])")
                #expect(ops[3].ok, "\(ops[3])")
                #expect(ops[4].valueText.flatMap(KeyJSON.fromB64url)?.count == 64, "\(ops[4])")
                #expect(ops[5].result == "EINVAL", "an EC key cannot encrypt: \(ops[5])")
                #expect(ops[6].text == "sign,verify", "\(ops[6])")

                // Disabled: every operation refused with KeyDisabled; the public part stays readable.
                try mount.createKey(admin, vault: v, ["name": "dis", "kty": "EC", "crv": "P-256"])
                let d = "\(v)/keys/dis/ops"
                let dis = try mount.keyProbe(user, [
                    .ops(d, KeyJSON.request("sign", "ES256", value: digest)),
                    .setxattr("\(v)/keys/dis", "user.kv.enabled", "false"),
                    .getxattr("\(v)/keys/dis", "user.kv.enabled"),
                    .ops(d, KeyJSON.request("sign", "ES256", value: digest)),
                    .ops(d, KeyJSON.request("verify", "ES256", value: KeyJSON.random(64), digest: digest)),
                    .read("\(v)/keys/dis/public.pem"),
                    .read("\(v)/keys/dis/key.jwk"),
                    .setxattr("\(v)/keys/dis", "user.kv.enabled", "true"),
                    .ops(d, KeyJSON.request("sign", "ES256", value: digest)),
                ])
                #expect(dis[0].answered && dis[0].errorCode == nil, "\(dis[0])")
                #expect(dis[1].ok && dis[2].text == "false", "\(dis[1]) \(dis[2])")
                #expect(dis[3].write == "OK" && dis[3].errorCode == "KeyDisabled", "sign on disabled: \(dis[3])")
                #expect(dis[4].write == "OK" && dis[4].errorCode == "KeyDisabled", "verify on disabled: \(dis[4])")
                #expect(dis[5].ok && dis[6].ok, "public parts of a disabled key: \(dis[5]) \(dis[6])")
                #expect(dis[8].answered && dis[8].errorCode == nil, "enabled again: \(dis[8])")
            }
        }

        @Test func versionsBatchesAndTwoClients() throws {
            let v = KeyRules.vault, admin = KeyRules.admin, user = KeyRules.user
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                // Rotate through keys/.ops; the old version under .versions still decrypts what was encrypted to it.
                let first = try mount.createKey(admin, vault: v, ["name": "rot", "kty": "RSA", "key_size": 2048])
                let v1 = try #require(KeyRules.version(of: first))
                let plain = KeyJSON.random(48)
                let before = try mount.keyProbe(user, [
                    .ops("\(v)/keys/rot/ops", KeyJSON.request("encrypt", "RSA-OAEP-256", value: plain)),
                    .read("\(v)/keys/rot/public.pem"),
                ])
                #expect((before[0].object["kid"] as? String)?.hasSuffix("/keys/rot/\(v1)") == true, "\(before[0])")
                let ct = try #require(before[0].valueText.flatMap(KeyJSON.fromB64url))
                let rotated = try mount.keyProbe(admin, .ops("\(v)/keys/.ops", KeyJSON.text(["op": "rotate", "name": "rot"])))
                #expect(rotated.answered && rotated.errorCode == nil, "\(rotated)")
                let v2 = try #require(KeyRules.version(of: rotated.object), "\(rotated)")
                #expect(v2 != v1)
                let after = try mount.keyProbe(user, [
                    .list("\(v)/keys/.versions/rot"),
                    .ops("\(v)/keys/.versions/rot/\(v1)/ops", KeyJSON.request("decrypt", "RSA-OAEP-256", value: ct)),
                    .ops("\(v)/keys/rot/ops", KeyJSON.request("decrypt", "RSA-OAEP-256", value: ct)),
                    .read("\(v)/keys/rot/public.pem"),
                    .read("\(v)/keys/.versions/rot/\(v1)/public.pem"),
                    .list("\(v)/keys/.versions/rot/\(v1)"),
                    .ops("\(v)/keys/rot/ops", KeyJSON.request("sign", "PS256", value: KeyJSON.random(32))),
                    .read("\(v)/keys/.versions/rot/\(v2)/key.jwk"),
                ])
                #expect(Set(after[0].names) == [v1, v2], "\(after[0])")
                #expect(after[1].valueText == KeyJSON.b64url(plain), "old version decrypts: \(after[1])")
                #expect((after[1].object["kid"] as? String)?.hasSuffix(v1) == true, "\(after[1])")
                #expect(after[2].write == "OK" && after[2].errorCode != nil && after[2].valueText == nil,
                        "the new version cannot decrypt the old ciphertext: \(after[2])")
                #expect(after[3].text != before[1].text, "current public.pem changed with the rotation")
                #expect(after[4].text == before[1].text, "the old version's public.pem is the original one")
                #expect(after[5].names == ["key.jwk", "ops", "public.pem"], "\(after[5])")
                #expect((after[6].object["kid"] as? String)?.hasSuffix(v2) == true, "\(after[6])")
                #expect((KeyJSON.parse(after[7].text ?? "")["kid"] as? String)?.hasSuffix(v2) == true, "\(after[7])")

                // A batch of 64 signs answers 64 results, in order: each verifies against its own digest only.
                try mount.createKey(admin, vault: v, ["name": "batch", "kty": "EC", "crv": "P-256"])
                let b = "\(v)/keys/batch/ops"
                let digests = (0..<64).map { _ in KeyJSON.random(32) }
                let batch = "[" + digests.map { KeyJSON.request("sign", "ES256", value: $0) }.joined(separator: ",") + "]"
                let signed = try mount.keyProbe(user, .ops(b, batch))
                #expect(signed.answered, "\(signed)")
                let signatures = signed.array.compactMap { ($0["value"] as? String).flatMap(KeyJSON.fromB64url) }
                #expect(signatures.count == 64, "\(signed)")
                if signatures.count == 64 {
                    let right = "[" + (0..<64).map { KeyJSON.request("verify", "ES256", value: signatures[$0], digest: digests[$0]) }
                        .joined(separator: ",") + "]"
                    let shifted = "[" + (0..<64).map { KeyJSON.request("verify", "ES256", value: signatures[$0], digest: digests[($0 + 1) % 64]) }
                        .joined(separator: ",") + "]"
                    let verified = try mount.keyProbe(user, [.ops(b, right), .ops(b, shifted)])
                    #expect(verified[0].array.count == 64 && verified[0].array.allSatisfy { ($0["value"] as? NSNumber)?.boolValue == true },
                            "\(verified[0])")
                    #expect(verified[1].array.count == 64 && verified[1].array.allSatisfy { ($0["value"] as? NSNumber)?.boolValue == false },
                            "\(verified[1])")
                }
                // One bad entry in a batch is answered in its place; the others still work.
                let mixed = "[" + [KeyJSON.request("sign", "ES256", value: digests[0]), KeyJSON.request("sign", "RS256", value: digests[1]),
                                   KeyJSON.request("sign", "ES256", value: digests[2])].joined(separator: ",") + "]"
                let m = try mount.keyProbe(user, .ops(b, mixed))
                #expect(m.array.count == 3 && m.array[0]["value"] != nil && KeyJSON.errorCode(m.array[1]) == "BadParameter"
                        && m.array[2]["value"] != nil, "\(m)")
                // A batch the caller has no right for at all fails the write with EACCES.
                let deniedBatch = try mount.keyProbe(KeyCaller.reader, .ops(b, "[" + KeyJSON.request("sign", "ES256", value: digests[0]) + "]"))
                #expect(deniedBatch.write == "EACCES" && deniedBatch.array.first.flatMap(KeyJSON.errorCode) == "ForbiddenByRbac", "\(deniedBatch)")

                // Two processes on one ops file at once, each with its own digests, each on one descriptor: every
                // answer is its own (its signature verifies against its digest).
                let client = #"""
import base64, json, os, sys
path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
fd = os.open(path, os.O_RDWR)
bad = []
for i in range(n):
    digest = os.urandom(32)
    os.write(fd, json.dumps({"op": "sign", "alg": "ES256", "value": b64(digest)}).encode())
    answer = json.loads(os.read(fd, 1 << 20))
    if "value" not in answer:
        bad.append(["sign", i, answer]); continue
    os.write(fd, json.dumps({"op": "verify", "alg": "ES256", "digest": b64(digest), "value": answer["value"]}).encode())
    verdict = json.loads(os.read(fd, 1 << 20))
    if verdict.get("value") is not True:
        bad.append(["verify", i, verdict])
os.close(fd)
print(json.dumps({"tag": tag, "n": n, "bad": bad[:5], "badCount": len(bad)}))
"""#
                let clients = try [KeyCaller.cryptoUser, KeyCaller.officer].enumerated().map { index, who -> (Process, String) in
                    let output = mount.directory + "/client-\(index).out"
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                    process.arguments = Array(who.setprivArguments.dropFirst()) + ["/usr/bin/python3", "-c", client, mount.path(b), "c\(index)", "150"]
                    process.environment = VaultProcess.childEnvironment
                    process.standardInput = FileHandle.nullDevice
                    FileManager.default.createFile(atPath: output, contents: nil)
                    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                    process.standardError = process.standardOutput
                    return (process, output)
                }
                for (process, _) in clients { try process.run() }
                for (process, output) in clients {
                    let deadline = Date().addingTimeInterval(60)
                    while process.isRunning && Date() < deadline { usleep(10_000) }
                    if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
                    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                    let summary = KeyJSON.parse(text)
                    #expect(process.terminationStatus == 0 && summary["badCount"] as? Int == 0, "client: \(text)")
                }
            }
        }
    }
}
