import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// Every file a caller may read shows its exact size, so archivers and copiers see the right bytes; mmap
    /// reads what read(2) reads.
    @Suite(.serialized) struct ExactSizes {
        static let vault = "sizes"

        static var setup: VaultMountFixture.Setup {
            var setup = CertCaller.setup(vault)
            setup.secrets = [(vault, "db", "correct horse battery staple\n")]
            return setup
        }

        @Test func tarCpCmpFindAndDuSeeEveryPublicByte() throws {
            let v = ExactSizes.vault
            try VaultMountFixture.with(ExactSizes.setup) { mount in
                let admin = CertCaller.administrator
                try mount.createKey(admin, vault: v, ["name": "ec", "kty": "EC", "crv": "P-256"])
                try mount.createKey(admin, vault: v, ["name": "rsa", "kty": "RSA", "key_size": 2048])
                _ = try mount.keyOp(admin, "\(v)/keys/.ops", KeyJSON.text(["op": "rotate", "name": "rsa"]))
                try mount.createCertificate(admin, vault: v, name: "web", policy: CertPolicy.quick("web.example"))

                // The Administrator tars keys/ and certificates/; every public key and certificate file in the
                // archive is byte-identical to what read(2) returns, and stat showed that many bytes.
                let script = #"""
import io, json, os, subprocess, tarfile
root = os.path.join(os.environ["KVFS_MNT"], "sizes")
out = {"files": {}, "mismatch": [], "empty": []}
tar = subprocess.run(["tar", "-C", root, "-cf", "-", "keys", "certificates"], capture_output=True)
out["tar"] = [tar.returncode, tar.stderr.decode()[-500:]]
archive = tarfile.open(fileobj=io.BytesIO(tar.stdout))
for member in archive.getmembers():
    if not member.isfile():
        continue
    name = os.path.basename(member.name)
    if name not in ("public.pem", "key.jwk", "cert.pem", "cert.cer", "policy.json"):
        continue
    data = archive.extractfile(member).read()
    with open(os.path.join(root, member.name), "rb") as f:
        real = f.read()
    size = os.stat(os.path.join(root, member.name)).st_size
    out["files"][member.name] = len(data)
    if data != real or size != len(real):
        out["mismatch"].append([member.name, len(data), len(real), size])
    if not real:
        out["empty"].append(member.name)
# cp keeps every byte; cmp agrees; find -size -1c finds only the control files; du -b counts the bytes.
pem = os.path.join(root, "keys/rsa/public.pem")
copy = "/tmp/kvfs-size-copy-%d" % os.getpid()
out["cp"] = subprocess.run(["cp", pem, copy]).returncode
out["cmp"] = subprocess.run(["cmp", pem, copy]).returncode
os.unlink(copy)
empty = subprocess.run(["find", root + "/keys", root + "/certificates", "-type", "f", "-size", "-1c"], capture_output=True, text=True)
out["zero"] = sorted(os.path.basename(p) for p in empty.stdout.split())
# rsync -a copies whole files (it trusts st_size and skips nothing as empty).
mirror = "/tmp/kvfs-size-rsync-%d" % os.getpid()
out["rsync"] = subprocess.run(["rsync", "-a", os.path.join(root, "keys/rsa/public.pem"), os.path.join(root, "keys/rsa/key.jwk"),
                               mirror + "/"], capture_output=True, text=True).returncode
out["rsynced"] = {n: [len(open(os.path.join(mirror, n), "rb").read()), len(open(os.path.join(root, "keys/rsa", n), "rb").read())]
                  for n in ("public.pem", "key.jwk")}
subprocess.run(["rm", "-rf", mirror])
du = subprocess.run(["du", "-b", os.path.join(root, "certificates/web/cert.cer")], capture_output=True, text=True)
out["du"] = int(du.stdout.split()[0]) if du.returncode == 0 else -1
out["cer"] = len(open(os.path.join(root, "certificates/web/cert.cer"), "rb").read())
print(json.dumps(out))
"""#
                let out = try mount.pythonJSON(admin, script)
                let files = out["files"] as? [String: Int] ?? [:]
                #expect((out["tar"] as? [Any])?.first as? Int == 0, "\(out)")
                // Two versions of rsa, one of ec and of the certificate's key web (each with public.pem and key.jwk, current and
                // under .versions),
                // and the certificate's cert.pem, cert.cer, policy.json, and its version's cert.pem and cert.cer.
                #expect(files.keys.filter { $0.hasSuffix("public.pem") }.count == 7, "\(files)")
                #expect(files.keys.filter { $0.hasSuffix("key.jwk") }.count == 7, "\(files)")
                #expect(files.keys.filter { $0.hasSuffix("cert.pem") || $0.hasSuffix("cert.cer") }.count == 4, "\(files)")
                #expect(files.keys.contains("certificates/web/policy.json"), "\(files)")
                #expect((out["mismatch"] as? [Any])?.isEmpty == true, "\(out)")
                #expect((out["empty"] as? [Any])?.isEmpty == true, "\(out)")
                #expect(out["cp"] as? Int == 0 && out["cmp"] as? Int == 0, "\(out)")
                #expect(Set(out["zero"] as? [String] ?? []) == [".ops", "ops"], "\(out)")
                #expect(out["du"] as? Int == out["cer"] as? Int && (out["cer"] as? Int ?? 0) > 0, "\(out)")
                #expect(out["rsync"] as? Int == 0, "\(out)")
                let rsynced = out["rsynced"] as? [String: [Int]] ?? [:]
                #expect(rsynced.count == 2 && rsynced.values.allSatisfy { $0.count == 2 && $0[0] == $0[1] && $0[0] > 0 }, "\(out)")

                // stat and lookups of what the caller may see write no audit line.
                let before = try mount.auditLines().count
                _ = try mount.keyProbe(admin, [.stat("\(v)/keys/ec/public.pem"), .stat("\(v)/keys/rsa/key.jwk")])
                #expect(try mount.auditLines().count == before)
            }
        }

        @Test func mmapSharedAndPrivateReadWhatReadReads() throws {
            let v = ExactSizes.vault
            try VaultMountFixture.with(ExactSizes.setup) { mount in
                let admin = CertCaller.administrator
                try mount.createKey(admin, vault: v, ["name": "ec", "kty": "EC", "crv": "P-256"])
                let script = #"""
import json, mmap, os
root = os.path.join(os.environ["KVFS_MNT"], "sizes")
out = {}
for rel in ("secrets/db", "keys/ec/public.pem"):
    path = os.path.join(root, rel)
    with open(path, "rb") as f:
        real = f.read()
    for mode, access in (("shared", mmap.ACCESS_READ), ("private", mmap.ACCESS_COPY)):
        try:
            with open(path, "rb") as f:
                with mmap.mmap(f.fileno(), 0, access=access) as m:
                    out[rel + " " + mode] = "same" if m[:] == real else "differs %d %d" % (len(m), len(real))
        except OSError as e:
            out[rel + " " + mode] = "errno %d" % e.errno
print(json.dumps(out))
"""#
                let out = try mount.pythonJSON(admin, script)
                for rel in ["secrets/db", "keys/ec/public.pem"] {
                    for mode in ["shared", "private"] {
                        #expect(out["\(rel) \(mode)"] as? String == "same", "\(rel) \(mode): \(out)")
                    }
                }
                #expect(mount.daemon?.isRunning == true && mount.isMounted)
            }
        }
    }
}
