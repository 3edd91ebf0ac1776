import Foundation
import Testing

extension VaultMountTests {
    /// The private part of a key never leaves the vault: after creating and importing keys (with private
    /// parts the test knows), the Administrator walks the whole mount — every listing, every file, every
    /// attribute — and the audit log and daemon log are read; none holds d, p, q, dp, dq, qi or the PEM body.
    @Suite(.serialized) struct KeySecurityWalk {
        static let vault = "kwalk"

        /// Turns `openssl pkey -text -noout` output into a private JWK (RSA) or {d, x, y} (EC). Runs as root
        /// on files outside the mount.
        static let toJWK = #"""
import base64, json, subprocess, sys
text = subprocess.run(["openssl", "pkey", "-in", sys.argv[1], "-text", "-noout"], capture_output=True, check=True).stdout.decode()
sections, current = {}, None
for line in text.splitlines():
    if line.startswith(" ") and current:
        sections[current] += line.strip().replace(":", "")
    elif line.endswith(":"):
        current = line[:-1].strip(); sections[current] = ""
    else:
        current = None
        if line.startswith("publicExponent:"):
            sections["publicExponent"] = "%x" % int(line.split()[1])
def b(name, size=None):
    h = sections[name]
    if len(h) % 2: h = "0" + h
    raw = bytes.fromhex(h)
    if size is None:
        raw = raw.lstrip(b"\x00") or b"\x00"
    else:
        raw = raw[-size:].rjust(size, b"\x00")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
if "modulus" in sections:
    jwk = {"kty": "RSA", "n": b("modulus"), "e": b("publicExponent"), "d": b("privateExponent"), "p": b("prime1"),
           "q": b("prime2"), "dp": b("exponent1"), "dq": b("exponent2"), "qi": b("coefficient")}
else:
    pub = bytes.fromhex(sections["pub"])
    jwk = {"kty": "EC", "crv": "P-256", "d": b("priv", 32),
           "x": base64.urlsafe_b64encode(pub[1:33]).rstrip(b"=").decode(),
           "y": base64.urlsafe_b64encode(pub[33:65]).rstrip(b"=").decode()}
print(json.dumps(jwk))
"""#

        /// Walks the mount as the caller: every directory listed, every entry stat'ed and its attributes read,
        /// every file other than control files read. Prints JSON {texts: [...], files: n, dirs: n, xattrs: n, errors: [...]}.
        static let walk = #"""
import json, os, stat, sys
root = os.environ["KVFS_MNT"]
texts, errors = [], []
counts = {"files": 0, "dirs": 0, "xattrs": 0}
def attrs(path):
    try:
        for name in os.listxattr(path):
            texts.append(name)
            try:
                texts.append(os.getxattr(path, name).decode("latin-1")); counts["xattrs"] += 1
            except OSError as e:
                errors.append([path, name, e.errno])
    except OSError as e:
        errors.append([path, "listxattr", e.errno])
def visit(path):
    st = os.lstat(path)
    attrs(path)
    if stat.S_ISDIR(st.st_mode):
        counts["dirs"] += 1
        try:
            names = os.listdir(path)
        except OSError as e:
            errors.append([path, "listdir", e.errno]); return
        texts.append("\n".join(names))
        for name in names:
            visit(os.path.join(path, name))
    else:
        counts["files"] += 1
        texts.append(path)
        try:
            with open(path, "rb") as f:
                texts.append(f.read().decode("latin-1"))
        except OSError as e:
            errors.append([path, "read", e.errno])
visit(root)
print(json.dumps({"texts": texts, "errors": errors, **counts}))
"""#

        @Test func privatePartsNeverLeave() throws {
            let v = KeySecurityWalk.vault, admin = KeyCaller.administrator
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                // Keys made by the vault, of every kind.
                try mount.createKey(admin, vault: v, ["name": "made-rsa", "kty": "RSA", "key_size": 2048])
                try mount.createKey(admin, vault: v, ["name": "made-ec", "kty": "EC", "crv": "P-384"])
                // Keys with private parts the test knows: an RSA JWK and an EC PKCS#8 PEM, and an RSA PEM.
                let rsaPEM = mount.directory + "/walk-rsa.pem", ecPEM = mount.directory + "/walk-ec.pem", rsa2PEM = mount.directory + "/walk-rsa2.pem"
                try KeyRules.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsaPEM])
                try KeyRules.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ecPEM])
                try KeyRules.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa2PEM])
                func jwk(_ path: String) throws -> [String: Any] {
                    let out = try VaultProcess.run(["/usr/bin/python3", "-c", KeySecurityWalk.toJWK, path])
                    return try #require(KeyJSON.parse(out.stdout) as [String: Any]?, "\(out)")
                }
                let rsaJWK = try jwk(rsaPEM), ecJWK = try jwk(ecPEM), rsa2JWK = try jwk(rsa2PEM)
                #expect(rsaJWK["p"] != nil && ecJWK["d"] != nil, "\(rsaJWK.keys) \(ecJWK.keys)")
                let ecText = try String(contentsOfFile: ecPEM, encoding: .utf8)
                let rsa2Text = try String(contentsOfFile: rsa2PEM, encoding: .utf8)
                let imports = try mount.keyProbe(admin, [
                    .ops("\(v)/keys/.ops", KeyJSON.text(["op": "import", "name": "known-rsa", "key": rsaJWK])),
                    .ops("\(v)/keys/.ops", KeyJSON.text(["op": "import", "name": "known-ec", "pem": ecText])),
                    .ops("\(v)/keys/.ops", KeyJSON.text(["op": "import", "name": "known-rsa2", "pem": rsa2Text])),
                    .ops("\(v)/keys/.ops", KeyJSON.text(["op": "rotate", "name": "made-rsa"])),
                    .read("\(v)/keys/known-rsa/key.jwk"),
                    .read("\(v)/keys/known-ec/key.jwk"),
                    // Crypto with the known keys, so the audit log has their operations.
                    .ops("\(v)/keys/known-rsa/ops", KeyJSON.request("sign", "PS256", value: KeyJSON.random(32))),
                    .ops("\(v)/keys/known-rsa/ops", KeyJSON.request("wrapKey", "RSA-OAEP", value: KeyJSON.random(32))),
                    .ops("\(v)/keys/known-ec/ops", KeyJSON.request("sign", "ES256", value: KeyJSON.random(32))),
                    .ops("\(v)/keys/known-rsa2/ops", KeyJSON.request("sign", "RS256", value: KeyJSON.random(32))),
                    // A private JWK is refused somewhere it does not belong, and that refusal too must not echo it.
                    .ops("\(v)/keys/.ops", KeyJSON.text(["op": "import", "name": "known-rsa", "key": rsaJWK.merging(["q": ecJWK["d"]!]) { $1 }])),
                    .ops("\(v)/keys/.ops", KeyJSON.text(["op": "import", "name": "bad-hsm", "key": rsaJWK.merging(["kty": "RSA-HSM"]) { $1 }])),
                    .rmdir("\(v)/keys/made-ec"),
                ])
                for index in 0..<4 { #expect(imports[index].answered && imports[index].errorCode == nil, "\(index): \(imports[index])") }
                #expect(KeyJSON.parse(imports[4].text ?? "")["n"] as? String == rsaJWK["n"] as? String, "the import took: \(imports[4])")
                #expect(KeyJSON.parse(imports[5].text ?? "")["x"] as? String == ecJWK["x"] as? String, "the import took: \(imports[5])")
                for index in 6..<10 { #expect(imports[index].valueText != nil, "\(index): \(imports[index])") }
                #expect(imports[10].errorCode != nil && imports[11].errorCode != nil, "\(imports[10]) \(imports[11])")
                #expect(imports[12].ok)

                // The secrets to look for.
                var needles: [(String, String)] = []
                func add(_ label: String, _ b64url: String) {
                    needles.append((label, b64url))
                    if let bytes = KeyJSON.fromB64url(b64url) {
                        needles.append((label + " (base64)", Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")))
                        needles.append((label + " (hex)", bytes.map { String(format: "%02x", $0) }.joined()))
                    }
                }
                for part in ["d", "p", "q", "dp", "dq", "qi"] {
                    if let value = rsaJWK[part] as? String { add("jwk \(part)", value) }
                    if let value = rsa2JWK[part] as? String { add("pem-rsa \(part)", value) }
                }
                add("pem-ec d", ecJWK["d"] as! String)
                for (label, text) in [("pem-ec", ecText), ("pem-rsa", rsa2Text)] {
                    let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
                    needles.append(("\(label) body", body.joined()))
                    for (index, line) in body.enumerated() { needles.append(("\(label) body line \(index)", line)) }
                }

                // The walk, as the Administrator: files, listings, xattrs; plus getfattr and ls as tools see it.
                let walked = try mount.python(admin, KeySecurityWalk.walk, timeout: 120)
                let summary = KeyJSON.parse(walked.stdout)
                let texts = summary["texts"] as? [String] ?? []
                #expect(walked.succeeded && (summary["files"] as? Int ?? 0) > 20 && (summary["xattrs"] as? Int ?? 0) > 50,
                        "walk: files \(summary["files"] ?? "-") xattrs \(summary["xattrs"] ?? "-") errors \(summary["errors"] ?? "-") \(walked.stderr)")
                let joined = texts.joined(separator: "\n")
                #expect(joined.contains("known-rsa2") && joined.contains("made-ec") && joined.contains("BEGIN PUBLIC KEY"))
                let getfattr = try mount.shell(admin, "getfattr -R -d -m - . 2>&1; ls -laR . 2>&1")
                #expect(getfattr.stdout.contains("user.kv.key_ops"), "\(getfattr.stdout.prefix(500))")
                let audit = try mount.kvfs(["audit", "list"]).stdout
                #expect(audit.contains("KeyImport") && audit.contains("KeySign"), "\(audit.suffix(500))")
                // The public exports legitimately hold the modulus and public point; a PEM line that is part of
                // a public export is not a leak.
                let publicText = texts.filter { $0.contains("BEGIN PUBLIC KEY") }.joined().replacingOccurrences(of: "\n", with: "")
                let haystacks: [(String, String)] = [("walk", joined), ("getfattr/ls", getfattr.stdout + getfattr.stderr),
                                                     ("audit", audit), ("daemon log", mount.daemonLog)]
                for (label, needle) in needles where needle.count >= 16 && !publicText.contains(needle) {
                    for (where_, haystack) in haystacks {
                        #expect(!haystack.contains(needle), "\(label) found in \(where_)")
                    }
                }
            }
        }
    }
}
