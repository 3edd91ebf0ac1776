import Foundation
import Testing

extension VaultMountTests {
    /// Role × key operation through the mount: each cell is the exact errno of the call and, when the vault
    /// answered on the control file, the Azure error code in the answer.
    @Suite(.serialized) struct KeyRoleTable {
        enum Column: String, CaseIterable, CustomStringConvertible {
            case list, pem, jwk, create, sign, verify, encrypt, decrypt, wrap, unwrap, setEnabled, delete, recover, purge
            var description: String { rawValue }
        }

        struct Row: CustomStringConvertible {
            var name: String
            var caller: VaultProcess.Identity
            var expected: [Column: String]
            var description: String { name }
        }

        /// `OK`: done. `EACCES`: the call itself failed (lookup or open; nothing answered).
        /// `EACCES:ForbiddenByRbac`: the control file opened, the write failed with EACCES, and the answer read
        /// back on the same descriptor is `{"error":{"code":"ForbiddenByRbac",…}}`.
        static let ok = "OK", no = "EACCES", rbac = "EACCES:ForbiddenByRbac"

        static func row(_ name: String, _ caller: VaultProcess.Identity, _ answers: [String]) -> Row {
            precondition(answers.count == Column.allCases.count)
            return Row(name: name, caller: caller, expected: Dictionary(uniqueKeysWithValues: zip(Column.allCases, answers)))
        }

        /// docs/keys.md "Who may do what": keys/read also allows verify, encrypt and wrapKey.
        static let table: [Row] = [
            //                                           ls  pem jwk create sign  verify encr decr  wrap unwrap setfattr rmdir recover purge
            row("none", KeyCaller.nobody,               [no, no, no, no,    no,   no,    no,  no,   no,  no,    no,      no,   no,     no]),
            row("reader", KeyCaller.reader,             [ok, ok, ok, rbac,  rbac, ok,    ok,  rbac, ok,  rbac,  no,      no,   no,     no]),
            row("cryptouser", KeyCaller.cryptoUser,     [ok, ok, ok, rbac,  ok,   ok,    ok,  ok,   ok,  ok,    ok,      no,   no,     no]),
            row("encuser", KeyCaller.encryptionUser,    [ok, ok, ok, rbac,  rbac, ok,    ok,  rbac, ok,  ok,    no,      no,   no,     no]),
            row("officer", KeyCaller.officer,           [ok, ok, ok, ok,    ok,   ok,    ok,  ok,   ok,  ok,    ok,      ok,   ok,     ok]),
            row("admin", KeyCaller.administrator,       [ok, ok, ok, ok,    ok,   ok,    ok,  ok,   ok,  ok,    ok,      ok,   ok,     ok]),
            // Crypto User on keys/shared only: every crypto operation and update there; no listing, no new
            // names, and it cannot delete the key it uses.
            row("objuser", KeyCaller.objectUser,        [no, ok, ok, rbac,  ok,   ok,    ok,  ok,   ok,  ok,    ok,      no,   no,     no]),
        ]

        static let vault = "kroles"

        /// What a step came to, in the table's notation.
        static func cell(_ r: KeyStepResult) -> String {
            guard r.ok else { return r.result }
            var text = r.write ?? "OK"
            if let code = r.errorCode { text += ":" + code }
            return text
        }

        @Test func keyRoleTable() throws {
            let v = KeyRoleTable.vault
            let admin = KeyCaller.administrator
            let setup = KeyCaller.setup(v, extra: [("k-objuser", "Key Vault Crypto User", "/vaults/\(v)/keys/shared")])
            try VaultMountFixture.with(setup) { mount in
                // Keys for the table, made by the Administrator through keys/.ops: `shared` (RSA) for the crypto
                // columns, and per row `d-` to delete, `g-` (deleted) to recover, `p-` (deleted) to purge.
                try mount.createKey(admin, vault: v, ["name": "shared", "kty": "RSA", "key_size": 2048])
                var steps: [KeyStep] = []
                for row in KeyRoleTable.table {
                    for prefix in ["d", "g", "p"] {
                        steps.append(.ops("\(v)/keys/.ops", KeyJSON.text(["op": "create", "name": "\(prefix)-\(row.name)", "kty": "EC", "crv": "P-256"])))
                    }
                    steps += [.rmdir("\(v)/keys/g-\(row.name)"), .rmdir("\(v)/keys/p-\(row.name)")]
                }
                let made = try mount.keyProbe(admin, steps)
                for (step, result) in zip(steps, made) {
                    if case .ops = step {
                        #expect(result.answered && result.errorCode == nil, "setup \(step): \(result)")
                    } else {
                        #expect(result.ok, "setup \(step): \(result)")
                    }
                }
                // Inputs for the operations that need one: a signature to verify, a ciphertext, a wrapped key.
                let digest0 = KeyJSON.random(32), plain0 = KeyJSON.random(32), key0 = KeyJSON.random(32)
                let ops = "\(v)/keys/shared/ops"
                let prepared = try mount.keyProbe(admin, [
                    .ops(ops, KeyJSON.request("sign", "RS256", value: digest0)),
                    .ops(ops, KeyJSON.request("encrypt", "RSA-OAEP-256", value: plain0)),
                    .ops(ops, KeyJSON.request("wrapKey", "RSA-OAEP", value: key0)),
                ])
                let sig0 = try #require(prepared[0].valueText.flatMap(KeyJSON.fromB64url), "\(prepared[0])")
                let ct0 = try #require(prepared[1].valueText.flatMap(KeyJSON.fromB64url), "\(prepared[1])")
                let wrapped0 = try #require(prepared[2].valueText.flatMap(KeyJSON.fromB64url), "\(prepared[2])")

                for row in KeyRoleTable.table {
                    let r = row.name
                    let object = row.name == "objuser"
                    let digest = KeyJSON.random(32), plain = KeyJSON.random(40), cek = KeyJSON.random(32)
                    let steps: [(Column, KeyStep)] = [
                        (.list, .list("\(v)/keys")),
                        (.pem, .read("\(v)/keys/shared/public.pem")),
                        (.jwk, .read("\(v)/keys/shared/key.jwk")),
                        (.create, .ops("\(v)/keys/.ops", KeyJSON.text(["op": "create", "name": "c-\(r)", "kty": "EC", "crv": "P-256"]))),
                        (.sign, .ops(ops, KeyJSON.request("sign", "RS256", value: digest))),
                        (.verify, .ops(ops, KeyJSON.request("verify", "RS256", value: sig0, digest: digest0))),
                        (.encrypt, .ops(ops, KeyJSON.request("encrypt", "RSA-OAEP-256", value: plain))),
                        (.decrypt, .ops(ops, KeyJSON.request("decrypt", "RSA-OAEP-256", value: ct0))),
                        (.wrap, .ops(ops, KeyJSON.request("wrapKey", "RSA-OAEP", value: cek))),
                        (.unwrap, .ops(ops, KeyJSON.request("unwrapKey", "RSA-OAEP", value: wrapped0))),
                        (.setEnabled, .setxattr("\(v)/keys/shared", "user.kv.enabled", "true")),
                        (.delete, .rmdir(object ? "\(v)/keys/shared" : "\(v)/keys/d-\(r)")),
                        (.recover, .rename("\(v)/.deleted/keys/g-\(r)", "\(v)/keys/g-\(r)")),
                        (.purge, .rmdir("\(v)/.deleted/keys/p-\(r)")),
                    ]
                    let results = try mount.keyProbe(row.caller, steps.map(\.1))
                    for ((column, _), result) in zip(steps, results) {
                        #expect(KeyRoleTable.cell(result) == row.expected[column], "\(row.name) × \(column): got \(result)")
                    }
                    // What the allowed operations answered is right, not merely present.
                    func answered(_ c: Column) -> KeyStepResult? {
                        row.expected[c] == KeyRoleTable.ok ? results[Column.allCases.firstIndex(of: c)!] : nil
                    }
                    if let list = answered(.list) {
                        #expect(list.names.contains(".ops") && list.names.contains("shared") && list.names.contains(".versions"), "\(r): \(list)")
                    }
                    if let pem = answered(.pem) { #expect(pem.text?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true, "\(r): \(pem)") }
                    if let jwk = answered(.jwk) {
                        let object = KeyJSON.parse(jwk.text ?? "")
                        #expect(object["kty"] as? String == "RSA" && object["n"] != nil && object["d"] == nil, "\(r): \(jwk)")
                    }
                    if let create = answered(.create) {
                        #expect(((create.object["key"] as? [String: Any])?["kid"] as? String)?.contains("/keys/c-\(r)/") == true, "\(r): \(create)")
                    }
                    if let verify = answered(.verify) { #expect(verify.verdict == true, "\(r) verify: \(verify)") }
                    if let decrypt = answered(.decrypt) { #expect(decrypt.valueText == KeyJSON.b64url(plain0), "\(r) decrypt") }
                    if let unwrap = answered(.unwrap) { #expect(unwrap.valueText == KeyJSON.b64url(key0), "\(r) unwrap") }
                    // A signature and a ciphertext made by this row check out with the Administrator.
                    var checks: [KeyStep] = []
                    if let sign = answered(.sign), let sig = sign.valueText.flatMap(KeyJSON.fromB64url) {
                        checks.append(.ops(ops, KeyJSON.request("verify", "RS256", value: sig, digest: digest)))
                    }
                    if let encrypt = answered(.encrypt), let ct = encrypt.valueText.flatMap(KeyJSON.fromB64url) {
                        checks.append(.ops(ops, KeyJSON.request("decrypt", "RSA-OAEP-256", value: ct)))
                    }
                    if let wrap = answered(.wrap), let w = wrap.valueText.flatMap(KeyJSON.fromB64url) {
                        checks.append(.ops(ops, KeyJSON.request("unwrapKey", "RSA-OAEP", value: w)))
                    }
                    let checked = try mount.keyProbe(admin, checks)
                    for result in checked {
                        let good = result.verdict == true || result.valueText == KeyJSON.b64url(plain) || result.valueText == KeyJSON.b64url(cek)
                        #expect(good, "\(r): a result of this row does not check out: \(result)")
                    }
                }

                // The effects are real, and denied calls changed nothing.
                let after = try mount.keyProbe(admin, [.list("\(v)/keys"), .list("\(v)/.deleted/keys")])
                let live = Set(after[0].names), deleted = Set(after[1].names)
                for row in KeyRoleTable.table {
                    let r = row.name
                    let allowed = { (c: Column) in row.expected[c] == KeyRoleTable.ok }
                    #expect(live.contains("c-\(r)") == allowed(.create), "c-\(r) live: \(live)")
                    if r != "objuser" {
                        #expect(deleted.contains("d-\(r)") == allowed(.delete), "d-\(r) deleted: \(deleted)")
                        #expect(live.contains("d-\(r)") != allowed(.delete), "d-\(r) live")
                    }
                    #expect(live.contains("g-\(r)") == allowed(.recover), "g-\(r) recovered: \(live)")
                    #expect(deleted.contains("g-\(r)") != allowed(.recover), "g-\(r) still deleted")
                    #expect(deleted.contains("p-\(r)") != allowed(.purge), "p-\(r) purged: \(deleted)")
                }
                #expect(live.contains("shared") && !deleted.contains("shared"))

                // Every decision was audited: a KeySign refusal for the reader's uid and an allowed one for the
                // crypto user's.
                let audit = try mount.auditLines()
                func signs(_ uid: UInt32, _ result: String) -> [[String: Any]] {
                    audit.filter { line in
                        line["operationName"] as? String == "KeySign" && line["resultType"] as? String == result
                            && ((line["caller"] as? [String: Any])?["uid"] as? Int) == Int(uid) && line["object"] as? String == "shared"
                    }
                }
                let refused = signs(KeyCaller.reader.uid, "Failure")
                #expect(refused.count == 1 && refused.first?["resultSignature"] as? String == "ForbiddenByRbac", "\(refused)")
                let allowed = signs(KeyCaller.cryptoUser.uid, "Success")
                #expect(allowed.count == 1 && allowed.first?["algorithm"] as? String == "RS256", "\(allowed)")
            }
        }
    }
}
