import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// `application/x-pkcs12`: the managed secret is the base64 of a PFX with an empty password
    /// (docs/certificates.md "Secret value"), so `base64 -d secrets/N | openssl pkcs12 -nodes -passin pass:` reads it.
    @Suite(.serialized) struct PFX {
        static let vault = "cpfx"

        /// argv: vault, name. Decodes the mounted secret and opens the PFX with openssl.
        static let script = CertScript.prelude + #"""
vault, name = sys.argv[1], sys.argv[2]
secret = os.path.join(mnt, vault, "secrets", name)
cert = os.path.join(mnt, vault, "certificates", name, "cert.pem")
out = {"content_type": os.getxattr(secret, "user.kv.content_type").decode()}
with open(secret, "rb") as f:
    raw = f.read()
out["size"] = len(raw)
out["stat_size"] = os.stat(secret).st_size
out["ascii"] = all(32 < b < 127 for b in raw.strip())
shell = run("/bin/sh", "-c", 'base64 -d "$1" | openssl pkcs12 -nodes -passin pass:', "sh", secret)
out["pkcs12_rc"], out["pkcs12_err"] = shell["rc"], shell["err"]
text = shell["out"]
out["key_blocks"] = text.count("-----BEGIN PRIVATE KEY-----")
out["cert_blocks"] = text.count("-----BEGIN CERTIFICATE-----")
pfx_pem = put("pfx.pem", text)
key_pub = run("openssl", "pkey", "-in", pfx_pem, "-pubout")
cert_pub = run("openssl", "x509", "-in", cert, "-noout", "-pubkey")
out["key_matches_cert"] = key_pub["rc"] == 0 and key_pub["out"] == cert_pub["out"]
pfx_fp = run("openssl", "x509", "-in", pfx_pem, "-noout", "-fingerprint", "-sha256")["out"]
out["same_leaf"] = pfx_fp != "" and pfx_fp == run("openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256")["out"]
info = run("/bin/sh", "-c", 'base64 -d "$1" | openssl pkcs12 -info -noout -passin pass:', "sh", secret)
out["info_rc"], out["info"] = info["rc"], info["out"] + info["err"]
# A wrong password is refused: the PFX really is protected by the empty one.
out["wrong_password_rc"] = run("/bin/sh", "-c", 'base64 -d "$1" | openssl pkcs12 -nodes -passin pass:nope', "sh", secret)["rc"]
finish(out)
"""#

        @Test func pfxSecretOpensWithOpenSSL() throws {
            let v = PFX.vault
            let admin = CertCaller.administrator
            try VaultMountFixture.with(CertCaller.setup(v)) { mount in
                try mount.createCertificate(admin, vault: v, name: "bundle",
                                            policy: CertPolicy.make(subject: "CN=pfx.test", dnsNames: ["pfx.test"],
                                                                    contentType: CertPolicy.pkcs12))
                try mount.createCertificate(admin, vault: v, name: "ecbundle",
                                            policy: CertPolicy.make(subject: "CN=ec.pfx.test", contentType: CertPolicy.pkcs12,
                                                                    keyType: "EC", keySize: nil, curve: "P-384",
                                                                    keyUsage: ["digitalSignature"]))
                // The Certificate User reads the whole certificate, private part included.
                for name in ["bundle", "ecbundle"] {
                    let out = try mount.pythonJSON(CertCaller.certificateUser, PFX.script, [v, name])
                    #expect(out["content_type"] as? String == CertPolicy.pkcs12, "\(name): \(out)")
                    #expect(out["ascii"] as? Bool == true, "\(name): the secret is base64 text: \(out)")
                    #expect(out["size"] as? Int == out["stat_size"] as? Int, "\(name): stat size is the value's length: \(out)")
                    #expect(out["pkcs12_rc"] as? Int == 0, "\(name): \(out["pkcs12_err"] ?? "-")")
                    #expect(out["key_blocks"] as? Int == 1 && out["cert_blocks"] as? Int == 1, "\(name): \(out)")
                    #expect(out["key_matches_cert"] as? Bool == true, "\(name): \(out)")
                    #expect(out["same_leaf"] as? Bool == true, "\(name): \(out)")
                    let info = out["info"] as? String ?? ""
                    #expect(out["info_rc"] as? Int == 0 && info.contains("AES-256-CBC") && info.contains("PBKDF2"),
                            "\(name): OpenSSL 3's PFX encryption: \(info)")
                    #expect(out["wrong_password_rc"] as? Int != 0, "\(name): \(out)")
                }
            }
        }
    }
}
