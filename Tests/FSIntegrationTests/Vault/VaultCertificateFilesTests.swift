import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// openssl reads what the mount shows: `cert.pem`, `cert.cer`, `policy.json`, and `csr.pem` while a
    /// creation for an `Unknown` issuer is pending; merging a chain signed by a test CA completes it.
    @Suite(.serialized) struct Files {
        static let vault = "cfiles"

        /// argv: vault, name. Reads the completed certificate's files with openssl as the caller.
        static let readScript = CertScript.prelude + #"""
vault, name = sys.argv[1], sys.argv[2]
d = os.path.join(mnt, vault, "certificates", name)
out = {"ls": sorted(os.listdir(d))}
text = run("openssl", "x509", "-in", os.path.join(d, "cert.pem"), "-noout", "-text")
out["text_rc"], out["text"] = text["rc"], text["out"]
pem_fp = run("openssl", "x509", "-in", os.path.join(d, "cert.pem"), "-noout", "-fingerprint", "-sha256")
der_fp = run("openssl", "x509", "-inform", "DER", "-in", os.path.join(d, "cert.cer"), "-noout", "-fingerprint", "-sha256")
out["pem_fp"], out["der_fp"], out["der_rc"] = pem_fp["out"].strip(), der_fp["out"].strip(), der_fp["rc"]
subj = run("openssl", "x509", "-inform", "DER", "-in", os.path.join(d, "cert.cer"), "-noout", "-subject", "-nameopt", "RFC2253")
out["der_subject"] = subj["out"].strip()
with open(os.path.join(d, "policy.json"), "rb") as f:
    raw = f.read()
try:
    out["policy"] = json.loads(raw)
except ValueError as e:
    out["policy_error"] = str(e) + ": " + raw[:200].decode("latin-1")
# The x5t attribute is the SHA-1 thumbprint of the DER leaf (base64url).
sha1 = run("openssl", "x509", "-inform", "DER", "-in", os.path.join(d, "cert.cer"), "-noout", "-fingerprint", "-sha1")["out"]
hexdigits = sha1.strip().split("=", 1)[1].replace(":", "")
out["x5t_expected"] = base64.urlsafe_b64encode(bytes.fromhex(hexdigits)).rstrip(b"=").decode()
out["x5t"] = os.getxattr(d, "user.kv.x5t").decode()
finish(out)
"""#

        /// argv: vault, name. While pending: verifies csr.pem, makes a test CA, signs the CSR, merges the chain
        /// through certificates/.ops, then reads the completed files.
        static let mergeScript = CertScript.prelude + #"""
vault, name = sys.argv[1], sys.argv[2]
d = os.path.join(mnt, vault, "certificates", name)
out = {"before": sorted(os.listdir(d))}
try:
    os.stat(os.path.join(d, "cert.pem"))
    out["before_cert_pem"] = "OK"
except OSError as e:
    out["before_cert_pem"] = e.errno
csr = os.path.join(d, "csr.pem")
verify = run("openssl", "req", "-in", csr, "-verify", "-noout", "-subject", "-nameopt", "RFC2253")
out["csr_verify_rc"], out["csr_verify"] = verify["rc"], (verify["out"] + verify["err"]).strip()
# The test CA, made here with openssl.
ca_key, ca_pem = os.path.join(work, "ca.key"), os.path.join(work, "ca.pem")
out["ca"] = run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", ca_key, "-out", ca_pem, "-subj", "/CN=kvfs test CA", "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")["rc"]
leaf = os.path.join(work, "leaf.pem")
ext = put("ext.cnf", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nsubjectAltName=DNS:pending.test\n")
out["sign"] = run("openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
                  "-days", "1", "-sha256", "-out", leaf, "-extfile", ext)["rc"]
def der_b64(path):
    return base64.b64encode(subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"], capture_output=True).stdout).decode()
def merge(x5c):
    fd = os.open(os.path.join(mnt, vault, "certificates", ".ops"), os.O_RDWR)
    try:
        os.write(fd, json.dumps({"op": "merge", "name": name, "x5c": x5c}).encode())
        written = "OK"
    except OSError as e:
        written = e.errno
    answer = json.loads(os.read(fd, 1 << 20) or b"{}")
    os.close(fd)
    return written, answer
out["before_fp"] = run("openssl", "x509", "-in", os.path.join(d, "cert.pem"), "-noout", "-fingerprint", "-sha256")["out"]
# A leaf the same CA signed for another key does not complete the pending creation.
wrong_csr, wrong_leaf = os.path.join(work, "wrong.csr"), os.path.join(work, "wrong.pem")
run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
    os.path.join(work, "wrong.key"), "-out", wrong_csr, "-subj", "/CN=pending.test")
run("openssl", "x509", "-req", "-in", wrong_csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-days", "1",
    "-out", wrong_leaf, "-extfile", ext)
out["wrong_merge_write"], out["wrong_merge"] = merge([der_b64(wrong_leaf), der_b64(ca_pem)])
out["after_wrong"] = sorted(os.listdir(d))
out["merge_write"], out["merge"] = merge([der_b64(leaf), der_b64(ca_pem)])
out["after"] = sorted(os.listdir(d))
out["chain_verify"] = run("openssl", "verify", "-CAfile", ca_pem, os.path.join(d, "cert.pem"))
with open(os.path.join(d, "cert.pem")) as f:
    out["pem_blocks"] = f.read().count("-----BEGIN CERTIFICATE-----")
out["leaf_matches"] = run("openssl", "x509", "-in", leaf, "-noout", "-fingerprint", "-sha256")["out"] == \
    run("openssl", "x509", "-inform", "DER", "-in", os.path.join(d, "cert.cer"), "-noout", "-fingerprint", "-sha256")["out"]
out["keys"] = sorted(os.listdir(os.path.join(mnt, vault, "keys")))
out["secrets"] = sorted(os.listdir(os.path.join(mnt, vault, "secrets")))
# The managed secret (PEM) holds the pending key: its public half is the merged leaf's.
secret_pub = run("openssl", "pkey", "-in", os.path.join(mnt, vault, "secrets", name), "-pubout")
leaf_pub = run("openssl", "x509", "-in", leaf, "-noout", "-pubkey")
out["secret_key_matches"] = secret_pub["rc"] == 0 and secret_pub["out"] == leaf_pub["out"]
with open(os.path.join(mnt, vault, "keys", name, "public.pem")) as f:
    out["key_matches"] = f.read() == leaf_pub["out"]
finish(out)
"""#

        @Test func opensslReadsCompletedCertificate() throws {
            let v = Files.vault
            let admin = CertCaller.administrator
            try VaultMountFixture.with(CertCaller.setup(v)) { mount in
                let policy = CertPolicy.make(subject: "CN=files.test", dnsNames: ["files.test", "www.files.test"],
                                             keySize: 3072, validityInMonths: 6)
                try mount.createCertificate(admin, vault: v, name: "files", policy: policy)
                // The Reader reads the public files (certificates/read).
                let out = try mount.pythonJSON(CertCaller.reader, Files.readScript, [v, "files"])
                #expect(out["ls"] as? [String] == ["cert.cer", "cert.pem", "policy.json"], "\(out["ls"] ?? "-")")
                #expect(out["text_rc"] as? Int == 0, "\(out)")
                let text = out["text"] as? String ?? ""
                #expect(text.contains("Subject: CN = files.test"), "\(text)")
                #expect(text.contains("Issuer: CN = files.test"), "self-signed: \(text)")
                #expect(text.contains("DNS:files.test") && text.contains("DNS:www.files.test"), "\(text)")
                #expect(text.contains("Public-Key: (3072 bit)"), "\(text)")
                #expect(text.contains("CA:FALSE"), "\(text)")
                #expect(text.contains("Digital Signature, Key Encipherment"), "\(text)")
                #expect(text.contains("TLS Web Server Authentication"), "\(text)")
                #expect(text.contains("sha256WithRSAEncryption"), "\(text)")
                #expect(out["der_rc"] as? Int == 0, "\(out)")
                #expect((out["pem_fp"] as? String)?.hasPrefix("sha256 Fingerprint=") == true && out["pem_fp"] as? String == out["der_fp"] as? String,
                        "cert.cer is the DER of cert.pem's leaf: \(out["pem_fp"] ?? "-") vs \(out["der_fp"] ?? "-")")
                #expect(out["der_subject"] as? String == "subject=CN=files.test", "\(out)")
                #expect(out["x5t"] as? String == out["x5t_expected"] as? String, "\(out)")
                let parsed = out["policy"] as? [String: Any] ?? [:]
                #expect(out["policy_error"] == nil, "\(out["policy_error"] ?? "-")")
                // policy.json is in the REST API's spelling, as the Azure SDKs read it.
                #expect((parsed["issuer"] as? [String: Any])?["name"] as? String == "Self", "\(parsed)")
                let x509 = parsed["x509_props"] as? [String: Any] ?? [:]
                #expect(x509["subject"] as? String == "CN=files.test", "\(parsed)")
                #expect(x509["validity_months"] as? Int == 6, "\(parsed)")
                #expect((x509["sans"] as? [String: Any])?["dns_names"] as? [String] == ["files.test", "www.files.test"], "\(parsed)")
                #expect((parsed["key_props"] as? [String: Any])?["key_size"] as? Int == 3072, "\(parsed)")
                #expect((parsed["secret_props"] as? [String: Any])?["contentType"] as? String == CertPolicy.pem, "\(parsed)")
                #expect(parsed["x509CertificateProperties"] == nil && parsed["keyProperties"] == nil, "no az names: \(parsed)")
                // The version's own directory shows the certificate files, not the policy.
                let versions = try mount.keyProbe(CertCaller.reader, .list("\(v)/certificates/.versions/files"))
                #expect(versions.ok && versions.names.count == 1, "\(versions)")
                if let version = versions.names.first {
                    let inside = try mount.keyProbe(CertCaller.reader, .list("\(v)/certificates/.versions/files/\(version)"))
                    #expect(inside.names == ["cert.cer", "cert.pem"], "\(inside)")
                }
            }
        }

        @Test func pendingCSRThenMerge() throws {
            let v = Files.vault
            let officer = CertCaller.officer
            try VaultMountFixture.with(CertCaller.setup(v)) { mount in
                let policy = CertPolicy.make(subject: "CN=pending.test", dnsNames: ["pending.test"], issuer: "Unknown",
                                             keyType: "EC", keySize: nil, curve: "P-256", keyUsage: ["digitalSignature"])
                let operation = try mount.createCertificate(officer, vault: v, name: "pend", policy: policy)
                #expect(operation["csr"] is String, "\(operation)")
                // While pending there is no managed key or secret yet, and a second create is a conflict.
                let again = try mount.certificateOps(officer, vault: v, ["op": "create", "name": "pend", "policy": policy])
                #expect(again.write == "OK" && again.errorCode == "Conflict", "\(again)")
                let early = try mount.keyProbe(CertCaller.administrator, [.list("\(v)/keys"), .list("\(v)/secrets")])
                #expect(early.allSatisfy { $0.ok && !$0.names.contains("pend") }, "\(early)")

                // The Administrator does the CA's part, merges (certificates/create) and compares the merged
                // leaf with the managed key and secret.
                let out = try mount.pythonJSON(CertCaller.administrator, Files.mergeScript, [v, "pend"])
                #expect(out["before"] as? [String] == ["csr.pem", "policy.json"], "\(out["before"] ?? "-")")
                #expect(out["before_cert_pem"] as? Int == Int(ENOENT), "\(out["before_cert_pem"] ?? "-")")
                #expect(out["csr_verify_rc"] as? Int == 0, "\(out["csr_verify"] ?? "-")")
                let csrText = out["csr_verify"] as? String ?? ""
                #expect(csrText.contains("subject=CN=pending.test") && csrText.contains("verify OK"), "\(csrText)")
                #expect(out["ca"] as? Int == 0 && out["sign"] as? Int == 0, "\(out)")
                #expect(out["wrong_merge_write"] as? String == "OK" && KeyJSON.errorCode(out["wrong_merge"] as? [String: Any] ?? [:]) != nil,
                        "a leaf for another key must not merge: \(out["wrong_merge"] ?? "-")")
                #expect(out["after_wrong"] as? [String] == ["csr.pem", "policy.json"], "\(out["after_wrong"] ?? "-")")
                #expect(out["merge_write"] as? String == "OK", "\(out["merge"] ?? "-")")
                let merged = out["merge"] as? [String: Any] ?? [:]
                #expect(KeyJSON.errorCode(merged) == nil && merged["cer"] is String && merged["pending"] == nil, "\(merged)")
                #expect(out["after"] as? [String] == ["cert.cer", "cert.pem", "policy.json"], "csr.pem goes, cert.pem comes: \(out["after"] ?? "-")")
                #expect((out["chain_verify"] as? [String: Any])?["rc"] as? Int == 0, "\(out["chain_verify"] ?? "-")")
                #expect(out["pem_blocks"] as? Int == 2, "leaf then the CA: \(out)")
                #expect(out["leaf_matches"] as? Bool == true, "\(out)")
                #expect((out["keys"] as? [String] ?? []).contains("pend") && (out["secrets"] as? [String] ?? []).contains("pend"), "\(out)")
                #expect(out["secret_key_matches"] as? Bool == true, "\(out)")
                #expect(out["key_matches"] as? Bool == true, "\(out)")
                // Merging again when nothing is pending is refused in the answer and changes nothing.
                let late = try mount.certificateOps(officer, vault: v, ["op": "merge", "name": "pend", "x5c": ["AAAA"]])
                #expect(late.errorCode != nil, "\(late)")
                let ls = try mount.keyProbe(officer, .list("\(v)/certificates/pend"))
                #expect(ls.names == ["cert.cer", "cert.pem", "policy.json"], "\(ls)")
            }
        }

        /// A new version for an `Unknown` issuer on a completed certificate: cert.pem keeps serving the completed
        /// version while csr.pem shows the pending one; the merge replaces cert.pem and adds a key and secret
        /// version.
        @Test func pendingNewVersionOfCompletedCertificate() throws {
            let v = Files.vault
            let admin = CertCaller.administrator
            try VaultMountFixture.with(CertCaller.setup(v)) { mount in
                try mount.createCertificate(admin, vault: v, name: "renew",
                                            policy: CertPolicy.make(subject: "CN=renew.test", dnsNames: ["renew.test"]))
                let first = try mount.keyProbe(admin, [.read("\(v)/certificates/renew/cert.pem"), .read("\(v)/secrets/renew")])
                let unknown = CertPolicy.make(subject: "CN=renew.test", dnsNames: ["renew.test"], issuer: "Unknown")
                try mount.createCertificate(admin, vault: v, name: "renew", policy: unknown)
                let pending = try mount.keyProbe(admin, [
                    .list("\(v)/certificates/renew"), .read("\(v)/certificates/renew/cert.pem"), .read("\(v)/secrets/renew"),
                    .getxattr("\(v)/certificates/renew", "user.kv.status"), .list("\(v)/certificates/.versions/renew"),
                    .list("\(v)/keys/.versions/renew"),
                ])
                #expect(pending[0].names == ["cert.cer", "cert.pem", "csr.pem", "policy.json"], "\(pending[0])")
                #expect(pending[1].text == first[0].text && pending[2].text == first[1].text,
                        "the completed version keeps serving while the new one is pending: \(pending)")
                #expect(pending[3].text == "completed", "\(pending[3])")
                #expect(pending[4].names.count == 2 && pending[5].names.count == 1, "\(pending[4]) \(pending[5])")
                // The pending version's own directory has only its CSR.
                let pendingVersion = try mount.keyProbe(admin, pending[4].names.map { .list("\(v)/certificates/.versions/renew/\($0)") })
                #expect(pendingVersion.map(\.names).sorted { $0.count < $1.count } == [["csr.pem"], ["cert.cer", "cert.pem"]], "\(pendingVersion)")

                let out = try mount.pythonJSON(admin, Files.mergeScript, [v, "renew"])
                #expect(out["csr_verify_rc"] as? Int == 0, "\(out["csr_verify"] ?? "-")")
                #expect(out["after_wrong"] as? [String] == ["cert.cer", "cert.pem", "csr.pem", "policy.json"], "\(out)")
                #expect(out["merge_write"] as? String == "OK" && KeyJSON.errorCode(out["merge"] as? [String: Any] ?? [:]) == nil, "\(out["merge"] ?? "-")")
                #expect(out["after"] as? [String] == ["cert.cer", "cert.pem", "policy.json"], "\(out["after"] ?? "-")")
                #expect(out["leaf_matches"] as? Bool == true && out["secret_key_matches"] as? Bool == true && out["key_matches"] as? Bool == true, "\(out)")
                let merged = try mount.keyProbe(admin, [.list("\(v)/keys/.versions/renew"), .list("\(v)/secrets/.versions/renew")])
                #expect(merged[0].names.count == 2 && merged[1].names.count == 2, "\(merged)")
            }
        }
    }
}
