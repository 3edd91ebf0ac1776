import Foundation
import Testing

extension VaultMountTests {
    /// Each version of a secret is its own immutable inode (docs/filesystem.md "Versions are inodes"): a
    /// mapping shows exactly the version its caller opened, never a later one and never a mix, whoever rotates
    /// the secret, and readers mapping a secret while a writer rotates it never get SIGBUS.
    @Suite(.serialized) struct VersionMappings {
        static let vault = "mapped"
        static let first = "first-version-value-0123456789"

        /// Vault-scope callers, plus uid 2005 with Secrets User on `db` alone (revoked during the test).
        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: vault)], secrets: [(vault, "db", first), (vault, "busy", "value-0000-")],
                             extra: [("objofficer-2005", "Key Vault Secrets User", "/vaults/\(vault)/secrets/db")])
        }

        /// Actors: child processes of this (root) script, each running as one uid and answering one JSON
        /// command per line — so one test can hold a mapping in one process while others rotate and read.
        static let actors = #"""
import json, mmap, os, signal, sys

mnt = os.environ["KVFS_MNT"]

def serve(inp, out):
    held = []
    for line in inp:
        cmd = json.loads(line)
        path = os.path.join(mnt, cmd.get("path", ""))
        try:
            if cmd["do"] == "map":
                with open(path, "rb") as f:
                    shared = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                    private = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
                held[:] = [shared, private]
                res = {"shared": shared[:].decode(), "private": private[:].decode()}
            elif cmd["do"] == "held":
                res = {"shared": held[0][:].decode(), "private": held[1][:].decode()}
            elif cmd["do"] == "read":
                with open(path, "rb") as f:
                    data = f.read()
                    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                    res = {"read": data.decode(), "mapped": m[:].decode(), "size": os.fstat(f.fileno()).st_size}
                    m.close()
            elif cmd["do"] == "write":
                fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
                os.write(fd, cmd["value"].encode())
                os.close(fd)
                res = {"ok": True}
        except OSError as e:
            res = {"errno": e.errno}
        out.write(json.dumps(res) + "\n")
        out.flush()

def actor(uid):
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(to_w); os.close(from_r)
        os.setgroups([]); os.setgid(uid); os.setuid(uid)
        serve(os.fdopen(to_r), os.fdopen(from_w, "w"))
        os._exit(0)
    os.close(to_r); os.close(from_w)
    return {"pid": pid, "in": os.fdopen(to_w, "w"), "out": os.fdopen(from_r)}

def ask(a, **cmd):
    a["in"].write(json.dumps(cmd) + "\n")
    a["in"].flush()
    line = a["out"].readline()
    if not line:
        _, status = os.waitpid(a["pid"], 0)
        return {"died": status}
    return json.loads(line)
"""#

        @Test func aMappingKeepsTheVersionItsCallerOpened() throws {
            let v = VersionMappings.vault
            try VaultMountFixture.with(VersionMappings.setup) { mount in
                let script = VersionMappings.actors + "\n" + #"""
kvfs, store, vault = sys.argv[1], sys.argv[2], sys.argv[3]
db = vault + "/secrets/db"
holder, other, writer, limited = actor(2001), actor(2001), actor(2003), actor(2005)
out = {"holder_map": ask(holder, do="map", path=db), "limited_map": ask(limited, do="map", path=db)}
# The object-scope caller loses its role; its mapping stays, its next open is refused.
import subprocess
out["revoke"] = subprocess.run([kvfs, "role", "assignment", "delete", "--assignee", "objofficer-2005", "--role",
                                "Key Vault Secrets User", "--scope", "/vaults/%s/secrets/db" % vault, "--store", store],
                               capture_output=True).returncode
out["limited_reopen"] = ask(limited, do="read", path=db)
# Another caller rotates to a shorter value, then to a longer one; an authorised process reads each.
out["write_short"] = ask(writer, do="write", path=db, value="short")
out["other_short"] = ask(other, do="read", path=db)
out["holder_after_short"] = ask(holder, do="held")
out["limited_after_short"] = ask(limited, do="held")
out["write_long"] = ask(writer, do="write", path=db, value="a-much-longer-third-version-value-" + "x" * 5000)
out["other_long"] = ask(other, do="read", path=db)
out["holder_after_long"] = ask(holder, do="held")
out["limited_after_long"] = ask(limited, do="held")
# A new mapping by the holder shows the new current version.
out["holder_remap"] = ask(holder, do="map", path=db)
print(json.dumps(out))
"""#
                let out = try mount.python(TestCaller.root, script, [VaultMountFixture.kvfsPath, mount.store, v], timeout: 120)
                #expect(out.succeeded, "\(out)")
                let result = try #require(try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out)")
                func value(_ key: String, _ field: String) -> String? { (result[key] as? [String: Any])?[field] as? String }
                let first = VersionMappings.first
                let long = "a-much-longer-third-version-value-" + String(repeating: "x", count: 5000)
                for key in ["holder_map", "limited_map", "holder_after_short", "limited_after_short",
                            "holder_after_long", "limited_after_long"] {
                    #expect(value(key, "shared") == first && value(key, "private") == first, "\(key): \(result[key] ?? "-")")
                }
                #expect(result["revoke"] as? Int == 0)
                #expect((result["limited_reopen"] as? [String: Any])?["errno"] as? Int == Int(EACCES), "\(result["limited_reopen"] ?? "-")")
                #expect(value("other_short", "read") == "short" && value("other_short", "mapped") == "short",
                        "\(result["other_short"] ?? "-")")
                #expect((result["other_short"] as? [String: Any])?["size"] as? Int == 5)
                #expect(value("other_long", "read") == long && value("other_long", "mapped") == long)
                #expect(value("holder_remap", "shared") == long && value("holder_remap", "private") == long)
                #expect(mount.daemon?.isRunning == true)
            }
        }

        @Test func mappedReadersWhileAWriterRotatesSeeWholeValuesAndNoSIGBUS() throws {
            let v = VersionMappings.vault
            try VaultMountFixture.with(VersionMappings.setup) { mount in
                let script = #"""
import json, mmap, os, re, sys
mnt = os.environ["KVFS_MNT"]
path = os.path.join(mnt, sys.argv[1], "secrets", "busy")
# Values of many lengths, each checkable on its own: "value-NNNN-" then NNNN % 300 * 7 % 1000 x's.
def value(n):
    return "value-%04d-" % n + "x" * (n % 300 * 7 % 1000)
pattern = re.compile(r"^value-(\d{4})-(x*)$")
done_r, done_w = os.pipe()
readers = []
for i in range(16):
    pid = os.fork()
    if pid == 0:
        os.close(done_w)
        os.setgroups([]); os.setgid(2001); os.setuid(2001)
        os.set_blocking(done_r, False)
        seen, bad, kept = 0, [], None
        while True:
            try:
                if os.read(done_r, 1) == b"":
                    break
            except BlockingIOError:
                pass
            with open(path, "rb") as f:
                m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ if seen % 2 else mmap.ACCESS_COPY)
            text = m[:].decode("latin-1")
            g = pattern.match(text)
            if not g or len(g.group(2)) != int(g.group(1)) % 300 * 7 % 1000:
                bad.append(text[:40])
            # An older mapping still shows exactly what it showed.
            if kept is not None and kept[0][:].decode("latin-1") != kept[1]:
                bad.append("kept mapping changed: " + kept[1][:20])
            if kept is not None:
                kept[0].close()
            kept = (m, text)
            seen += 1
        os.write(1, (json.dumps({"seen": seen, "bad": bad[:5]}) + "\n").encode())
        os._exit(0)
    readers.append(pid)
os.close(done_r)
writer = os.fork()
if writer == 0:
    os.setgroups([]); os.setgid(2003); os.setuid(2003)
    for n in range(1, 201):
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.write(fd, value(n).encode())
        os.close(fd)
    os._exit(0)
_, wstatus = os.waitpid(writer, 0)
os.close(done_w)
statuses = [os.waitpid(pid, 0)[1] for pid in readers]
print(json.dumps({"writer": wstatus, "readers": statuses}))
"""#
                let run = try mount.python(TestCaller.root, script, [v], timeout: 300)
                let lines = run.stdout.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                let summary = try #require(lines.last, "\(run)")
                #expect(summary["writer"] as? Int == 0, "\(run)")
                // No reader died (SIGBUS would show as a signal status).
                #expect(summary["readers"] as? [Int] == Array(repeating: 0, count: 16), "\(run)")
                let last = "value-0200-" + String(repeating: "x", count: 200 % 300 * 7 % 1000)
                #expect(try mount.probe(TestCaller.officer, .read("\(v)/secrets/busy")).text == last)
                let reports = lines.dropLast()
                #expect(reports.count == 16, "\(run)")
                for report in reports {
                    #expect((report["bad"] as? [String])?.isEmpty == true, "\(report)")
                    #expect((report["seen"] as? Int ?? 0) > 0, "\(report)")
                }
                #expect(try mount.versionCount(TestCaller.officer, v, "busy") == 201)
            }
        }
    }
}
