import Foundation
import Testing

extension VaultMountTests {
    /// `touch NEW` creates an empty secret, and a name created (or a value truncated) without a write is
    /// stored by the close that ends it — not later, when the kernel's asynchronous release arrives.
    @Suite struct TouchNewName {
        static let vault = "touches"

        @Test func createdNamesExistWhenCloseReturns() throws {
            try VaultMountFixture.with(TestCaller.setup([.init(name: TouchNewName.vault)],
                                                        secrets: [(TouchNewName.vault, "emptied", "old-value")])) { mount in
                let o = TestCaller.officer, v = TouchNewName.vault
                // 100 trials each of touch(1) and of a bare open(O_CREAT)+close(); every name must be there,
                // empty, the moment close() returned.
                let script = #"""
import json, os, subprocess, sys
d = os.path.join(os.environ["KVFS_MNT"], sys.argv[1], "secrets")
out = {"touch_missing": [], "open_missing": [], "sizes": set(), "touch_rc": set()}
for i in range(100):
    p = os.path.join(d, "touched%d" % i)
    out["touch_rc"].add(subprocess.run(["/usr/bin/touch", p]).returncode)
    try:
        out["sizes"].add(os.stat(p).st_size)
    except OSError as e:
        out["touch_missing"].append(i)
    p = os.path.join(d, "opened%d" % i)
    os.close(os.open(p, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        out["sizes"].add(os.stat(p).st_size)
    except OSError as e:
        out["open_missing"].append(i)
# Truncating an existing value without writing: empty when close() returns.
os.close(os.open(os.path.join(d, "emptied"), os.O_WRONLY | os.O_TRUNC))
out["emptied"] = open(os.path.join(d, "emptied"), "rb").read().decode()
# A shell's `>` duplicates the descriptor and closes the original before the command writes: one version.
subprocess.run(["/bin/sh", "-c", "echo -n redirected > '%s'" % os.path.join(d, "redirected")], check=True)
out["sizes"], out["touch_rc"] = sorted(out["sizes"]), sorted(out["touch_rc"])
print(json.dumps(out))
"""#
                let out = try mount.pythonJSON(o, script, [v], timeout: 120)
                #expect(out["touch_rc"] as? [Int] == [0], "\(out)")
                #expect((out["touch_missing"] as? [Int])?.isEmpty == true, "names missing right after touch: \(out)")
                #expect((out["open_missing"] as? [Int])?.isEmpty == true, "names missing right after close: \(out)")
                #expect(out["sizes"] as? [Int] == [0], "\(out)")
                #expect(out["emptied"] as? String == "", "\(out)")
                // Each created name holds one empty version; the redirect stored one version, not an empty one first.
                for name in ["touched0", "touched99", "opened0", "opened99"] {
                    #expect(try mount.versionCount(o, v, name) == 1, "\(name)")
                    #expect(try mount.probe(o, .read("\(v)/secrets/\(name)")).text == "", "\(name)")
                }
                #expect(try mount.versionCount(o, v, "redirected") == 1)
                #expect(try mount.probe(o, .read("\(v)/secrets/redirected")).text == "redirected")
                #expect(try mount.versionCount(o, v, "emptied") == 2)
                // A caller without setSecret cannot create a name by touching it: EACCES, nothing stored.
                let refused = try mount.shell(TestCaller.secretsUser, "touch \(mount.path("\(v)/secrets/refused")) 2>&1; echo rc=$?")
                #expect(refused.stdout.contains("Permission denied") && refused.stdout.contains("rc=1"), "\(refused)")
                #expect(try mount.probe(o, .stat("\(v)/secrets/refused")).result == "ENOENT")
            }
        }
    }
}
