import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// A control-file request is everything written before the first read on the open file, however many
    /// writes make it.
    @Suite(.serialized) struct ControlRequests {
        static let vault = "ctlreq"

        @Test func requestsWrittenInPiecesAreOneRequest() throws {
            let v = ControlRequests.vault
            try VaultMountFixture.with(KeyCaller.setup(v)) { mount in
                try mount.createKey(KeyCaller.administrator, vault: v, ["name": "k", "kty": "EC", "crv": "P-256"])
                let ops = mount.path("\(v)/keys/k/ops")

                // bash: a pretty-printed request from printf, and a batch from a here-document through cat, each
                // read back with cat on the same descriptor; the verify checks the signature.
                let digest = KeyJSON.b64url(KeyJSON.random(32))
                let script = #"""
set -e
exec 3<>"$1"
printf '{\n  "op": "sign",\n  "alg": "ES256",\n  "value": "%s"\n}\n' "$2" >&3
sig=$(cat <&3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')
exec 3<&-
exec 3<>"$1"
cat >&3 <<EOF
[
  {
    "op": "verify",
    "alg": "ES256",
    "digest": "$2",
    "value": "$sig"
  }
]
EOF
cat <&3
"""#
                let bash = try VaultProcess.run(KeyCaller.cryptoUser.setprivArguments + ["/bin/bash", "-c", script, "bash", ops, digest])
                #expect(bash.succeeded, "\(bash)")
                let verdict = (try? JSONSerialization.jsonObject(with: Data(bash.stdout.utf8))) as? [[String: Any]]
                #expect((verdict?.first?["value"] as? NSNumber)?.boolValue == true, "\(bash)")

                // Pieces cut anywhere — inside a string, after an escaped quote, between brackets — are one request;
                // a read before the request is complete is EINVAL and drops it; the next request on the same
                // descriptor works; white space after a request is ignored; two values in one write are EINVAL.
                let client = #"""
import base64, errno, json, os, sys
path, digest = sys.argv[1], sys.argv[2]
out = {}
def name(e): return errno.errorcode.get(e.errno, str(e.errno))
def read(fd):
    try:
        return os.read(fd, 1 << 20).decode()
    except OSError as e:
        return name(e)
def write(fd, data):
    try:
        os.write(fd, data.encode())
        return "OK"
    except OSError as e:
        return name(e)
fd = os.open(path, os.O_RDWR)
req = '[{"op":"sign","alg":"ES256","note":"a\\"}]{[","value":"' + digest + '"}]'
cuts = [3, 17, 33, 36, len(req) - 3, len(req) - 1]
pieces = [req[a:b] for a, b in zip([0] + cuts, cuts + [len(req)])]
out["pieces"] = [write(fd, p) for p in pieces] + [write(fd, "\n  \n")]
out["answer"] = read(fd)
out["incomplete"] = [write(fd, '{"op":"sign",'), write(fd, '"alg":"ES256"'), read(fd), read(fd)]
out["after"] = [write(fd, '{"op":"sign","alg":"ES256",'), write(fd, '"value":"' + digest + '"}'), read(fd)]
out["two"] = [write(fd, '{"op":"sign","alg":"ES256","value":"' + digest + '"} {}'), read(fd)]
os.close(fd)
print(json.dumps(out))
"""#
                let python = try mount.python(KeyCaller.cryptoUser, client, [ops, digest])
                #expect(python.succeeded, "\(python)")
                let out = KeyJSON.parse(python.stdout)
                #expect(out["pieces"] as? [String] == ["OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK"], "\(python)")
                let answer = (try? JSONSerialization.jsonObject(with: Data(((out["answer"] as? String) ?? "").utf8))) as? [[String: Any]]
                #expect(answer?.count == 1 && answer?.first?["value"] is String, "\(python)")
                #expect(out["incomplete"] as? [String] == ["OK", "OK", "EINVAL", ""], "\(python)")
                let after = out["after"] as? [String] ?? []
                #expect(after.count == 3 && after[0] == "OK" && after[1] == "OK" && KeyJSON.parse(after[2])["value"] is String,
                        "\(python)")
                #expect(out["two"] as? [String] == ["EINVAL", ""], "\(python)")

                // The size limit holds for the whole request: once the writes of one request pass 1 MiB less
                // 4 KiB, that write and the rest of the request are EFBIG, and nothing of it runs.
                func signs() throws -> Int {
                    try mount.auditLines().filter { $0["operationName"] as? String == "KeySign" && $0["object"] as? String == "k" }.count
                }
                let signsBefore = try signs()
                let big = #"""
import errno, json, os, sys
path, digest = sys.argv[1], sys.argv[2]
def write(fd, data):
    try:
        os.write(fd, data)
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
fd = os.open(path, os.O_RDWR)
head = b'{"op":"sign","alg":"ES256","value":"' + digest.encode() + b'","pad":"'
results = [write(fd, head), write(fd, b"A" * (600 << 10)), write(fd, b"A" * (600 << 10)), write(fd, b'"}')]
results.append(os.read(fd, 1 << 20).decode())
results += [write(fd, b'{"op":"sign","alg":"ES256","value":"' + digest.encode() + b'"}'), str("value" in json.loads(os.read(fd, 1 << 20)))]
print(json.dumps(results))
"""#
                let limited = try mount.python(KeyCaller.cryptoUser, big, [ops, digest])
                let results = (try? JSONSerialization.jsonObject(with: Data(limited.stdout.utf8))) as? [String]
                #expect(results == ["OK", "OK", "EFBIG", "EFBIG", "", "OK", "True"], "\(limited)")
                #expect(try signs() == signsBefore + 1, "the oversized request ran, or the next one did not")
                #expect(mount.daemon?.isRunning == true && mount.isMounted)
            }
        }
    }
}
