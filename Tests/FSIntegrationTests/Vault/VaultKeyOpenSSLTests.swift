import Foundation
import Testing

extension VaultMountTests {
    /// Signatures made through `ops` check out with `openssl pkeyutl -verify` and the mounted public.pem, and
    /// what openssl encrypts to public.pem decrypts through `ops`.
    @Suite(.serialized) struct KeyOpenSSL {
        static let vault = "kossl"

        /// Runs as the Administrator: every crypto call goes through the mount, openssl reads public.pem from
        /// it. Prints one JSON object of outcomes.
        static let script = #"""
import base64, hashlib, json, os, subprocess, sys, tempfile

mnt, vault = os.environ["KVFS_MNT"], sys.argv[1]
keys = os.path.join(mnt, vault, "keys")
work = tempfile.mkdtemp()

def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def unb64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def op(key, request):
    fd = os.open(os.path.join(keys, key, "ops"), os.O_RDWR)
    try:
        os.write(fd, json.dumps(request).encode())
        return json.loads(os.read(fd, 1 << 20))
    finally:
        os.close(fd)

def put(name, data):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data)
    return path

def openssl(*args):
    p = subprocess.run(["openssl"] + list(args), capture_output=True)
    return {"rc": p.returncode, "out": p.stdout.decode("latin-1")[:300], "err": p.stderr.decode("latin-1")[:300]}

def der_int(b):
    b = b.lstrip(b"\x00") or b"\x00"
    if b[0] & 0x80: b = b"\x00" + b
    return b"\x02" + bytes([len(b)]) + b

def raw_to_der(sig):
    half = len(sig) // 2
    body = der_int(sig[:half]) + der_int(sig[half:])
    return b"\x30" + bytes([len(body)]) + body

out = {}
message = b"kvfs interop message"
digest = hashlib.sha256(message).digest()
dpath = put("digest", digest)
rsa_pem, ec_pem = os.path.join(keys, "rsa", "public.pem"), os.path.join(keys, "ec", "public.pem")

for alg, opts in [("PS256", ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:digest"]),
                  ("RS256", ["-pkeyopt", "rsa_padding_mode:pkcs1"])]:
    answer = op("rsa", {"op": "sign", "alg": alg, "value": b64(digest)})
    sig = unb64(answer["value"])
    spath = put(alg + ".sig", sig)
    out[alg] = {"len": len(sig), "verify": openssl("pkeyutl", "-verify", "-pubin", "-inkey", rsa_pem, "-in", dpath,
                                                   "-sigfile", spath, "-pkeyopt", "digest:sha256", *opts)}
    # The whole-message form too: openssl dgst hashes the message itself.
    sigopts = [x for o in opts if o != "-pkeyopt" for x in ("-sigopt", o)]
    out[alg]["dgst"] = openssl("dgst", "-sha256", "-verify", rsa_pem, "-signature", spath, *sigopts, put("message", message))
    # A tampered digest is a false verdict through ops, and openssl refuses it too.
    bad = bytearray(digest); bad[0] ^= 1
    out[alg]["tampered"] = op("rsa", {"op": "verify", "alg": alg, "digest": b64(bytes(bad)), "value": answer["value"]})
    out[alg]["tampered_openssl"] = openssl("pkeyutl", "-verify", "-pubin", "-inkey", rsa_pem, "-in", put("bad", bytes(bad)),
                                           "-sigfile", spath, "-pkeyopt", "digest:sha256", *opts)["rc"]

answer = op("ec", {"op": "sign", "alg": "ES256", "value": b64(digest)})
raw = unb64(answer["value"])
der = raw_to_der(raw)
out["ES256"] = {"len": len(raw),
                "verify": openssl("pkeyutl", "-verify", "-pubin", "-inkey", ec_pem, "-in", dpath, "-sigfile", put("es.der", der)),
                "dgst": openssl("dgst", "-sha256", "-verify", ec_pem, "-signature", put("es2.der", der), put("message", message)),
                "raw_to_openssl": openssl("pkeyutl", "-verify", "-pubin", "-inkey", ec_pem, "-in", dpath, "-sigfile", put("es.raw", raw))["rc"],
                "der_to_ops": op("ec", {"op": "verify", "alg": "ES256", "digest": b64(digest), "value": b64(der)}),
                "raw_to_ops": op("ec", {"op": "verify", "alg": "ES256", "digest": b64(digest), "value": answer["value"]})}

# openssl encrypts to public.pem, ops decrypts.
secret = os.urandom(32)
ppath = put("plain", secret)
for alg, opts in [("RSA1_5", ["-pkeyopt", "rsa_padding_mode:pkcs1"]),
                  ("RSA-OAEP", ["-pkeyopt", "rsa_padding_mode:oaep"]),
                  ("RSA-OAEP-256", ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"])]:
    cpath = os.path.join(work, alg + ".ct")
    enc = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", rsa_pem, "-in", ppath, "-out", cpath, *opts)
    entry = {"encrypt": enc}
    if enc["rc"] == 0:
        with open(cpath, "rb") as f:
            ct = f.read()
        entry["decrypt"] = op("rsa", {"op": "decrypt", "alg": alg, "value": b64(ct)})
        entry["unwrap"] = op("rsa", {"op": "unwrapKey", "alg": alg, "value": b64(ct)})
        entry["matches"] = entry["decrypt"].get("value") == b64(secret)
        entry["unwrap_matches"] = entry["unwrap"].get("value") == b64(secret)
    out[alg] = entry
# ... and the other way: ops encrypts with OAEP-256, openssl cannot decrypt without the private key (none on the
# mount), so the round trip goes back through ops.
enc = op("rsa", {"op": "encrypt", "alg": "RSA-OAEP-256", "value": b64(secret)})
out["roundtrip"] = op("rsa", {"op": "decrypt", "alg": "RSA-OAEP-256", "value": enc["value"]}).get("value") == b64(secret)
# A ciphertext decrypted with the wrong padding label: one generic error, no plaintext.
with open(os.path.join(work, "RSA-OAEP-256.ct"), "rb") as f:
    out["wrong_padding"] = op("rsa", {"op": "decrypt", "alg": "RSA-OAEP", "value": b64(f.read())})

# Algorithms that do not fit the key.
out["mismatch"] = {
    "ES256_on_rsa": op("rsa", {"op": "sign", "alg": "ES256", "value": b64(digest)}),
    "PS256_on_ec": op("ec", {"op": "sign", "alg": "PS256", "value": b64(digest)}),
    "RS256_verify_on_ec": op("ec", {"op": "verify", "alg": "RS256", "digest": b64(digest), "value": b64(raw)}),
    "OAEP_on_ec": op("ec", {"op": "encrypt", "alg": "RSA-OAEP", "value": b64(secret)}),
    "ES384_on_p256": op("ec", {"op": "sign", "alg": "ES384", "value": b64(hashlib.sha384(message).digest())}),
    "short_digest": op("rsa", {"op": "sign", "alg": "RS256", "value": b64(digest[:20])}),
    "unknown_alg": op("rsa", {"op": "sign", "alg": "RS257", "value": b64(digest)}),
}
print(json.dumps(out))
"""#

        @Test func openSSLInterop() throws {
            let v = KeyOpenSSL.vault
            let admin = KeyCaller.administrator
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                try mount.createKey(admin, vault: v, ["name": "rsa", "kty": "RSA", "key_size": 2048])
                try mount.createKey(admin, vault: v, ["name": "ec", "kty": "EC", "crv": "P-256"])
                let run = try mount.python(admin, KeyOpenSSL.script, [v])
                let out = try #require(try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
                func dict(_ any: Any?) -> [String: Any] { any as? [String: Any] ?? [:] }
                func rc(_ any: Any?) -> Int? { dict(any)["rc"] as? Int }
                func code(_ any: Any?) -> String? { KeyJSON.errorCode(dict(any)) }
                func verdict(_ any: Any?) -> Bool? { (dict(any)["value"] as? NSNumber)?.boolValue }

                for alg in ["PS256", "RS256"] {
                    let entry = dict(out[alg])
                    #expect(entry["len"] as? Int == 256, "\(alg) signature length: \(entry)")
                    #expect(rc(entry["verify"]) == 0, "openssl pkeyutl -verify of \(alg): \(entry["verify"] ?? "-")")
                    #expect(rc(entry["dgst"]) == 0, "openssl dgst -verify of \(alg): \(entry["dgst"] ?? "-")")
                    #expect(verdict(entry["tampered"]) == false, "\(alg) tampered digest: \(entry["tampered"] ?? "-")")
                    #expect(entry["tampered_openssl"] as? Int != 0)
                }
                let es = dict(out["ES256"])
                #expect(es["len"] as? Int == 64, "ES256 is raw r‖s: \(es)")
                #expect(rc(es["verify"]) == 0, "openssl pkeyutl -verify of ES256 (DER): \(es["verify"] ?? "-")")
                #expect(rc(es["dgst"]) == 0, "openssl dgst -verify of ES256 (DER): \(es["dgst"] ?? "-")")
                #expect(es["raw_to_openssl"] as? Int != 0, "openssl takes DER, not raw r‖s")
                #expect(verdict(es["raw_to_ops"]) == true, "\(es["raw_to_ops"] ?? "-")")
                #expect(verdict(es["der_to_ops"]) == false, "a DER signature where raw r‖s is expected: \(es["der_to_ops"] ?? "-")")

                for alg in ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"] {
                    let entry = dict(out[alg])
                    #expect(rc(entry["encrypt"]) == 0, "openssl encrypt \(alg): \(entry)")
                    #expect(entry["matches"] as? Bool == true, "decrypt of openssl's \(alg) through ops: \(entry["decrypt"] ?? "-")")
                    #expect(entry["unwrap_matches"] as? Bool == true, "unwrapKey of openssl's \(alg) through ops: \(entry["unwrap"] ?? "-")")
                }
                #expect(out["roundtrip"] as? Bool == true)
                #expect(code(out["wrong_padding"]) != nil && dict(out["wrong_padding"])["value"] == nil, "\(out["wrong_padding"] ?? "-")")

                let mismatch = dict(out["mismatch"])
                for (name, answer) in mismatch {
                    #expect(code(answer) == "BadParameter", "\(name): \(answer)")
                }
                #expect(mismatch.count == 7)
            }
        }
    }
}
