import Foundation
import Testing

extension VaultMountTests {
    /// A control file's descriptor handed to another process — over a Unix socket (SCM_RIGHTS) or by `fork` —
    /// carries its opener's authority: requests written on it are decided for the process that opened it,
    /// whoever writes them, and the audit line names both the opener and the writer.
    @Suite(.serialized) struct PassedDescriptors {
        static let vault = "passed"

        /// argv: ops path, opener uid, writer uid, how ("socket" or "fork"). Root forks the opener, which opens
        /// the file read-write and hands the descriptor on (then exits, for "socket"); the writer sends one
        /// sign request on it and reads the answer. Prints {"write": errno or 0, "answer": …, "opener_pid", "writer_pid"}.
        static let script = #"""
import base64, json, os, socket, sys
path = os.path.join(os.environ["KVFS_MNT"], sys.argv[1])
opener_uid, writer_uid, how = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
request = json.dumps({"op": "sign", "alg": "ES256",
                      "value": base64.urlsafe_b64encode(b"\x01" * 32).rstrip(b"=").decode()}).encode()
left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
result_r, result_w = os.pipe()

def become(uid):
    os.setgroups([]); os.setgid(uid); os.setuid(uid)

def write_and_read(fd):
    out = {"writer_pid": os.getpid()}
    try:
        os.write(fd, request)
        out["write"] = 0
    except OSError as e:
        out["write"] = e.errno
    try:
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        pass
    try:
        out["answer"] = json.loads(os.read(fd, 65536) or b"null")
    except (OSError, ValueError) as e:
        out["answer"] = repr(e)
    return out

opener = os.fork()
if opener == 0:
    if how == "socket":
        become(opener_uid)
    else:
        # Keep root as the saved uid, so that the child this opener forks can become the writer.
        os.setgroups([]); os.setresgid(opener_uid, opener_uid, 0); os.setresuid(opener_uid, opener_uid, 0)
    fd = os.open(path, os.O_RDWR)
    if how == "socket":
        socket.send_fds(left, [b"fd"], [fd])
        os._exit(0)
    child = os.fork()
    if child == 0:
        os.setresuid(0, 0, 0); os.setresgid(0, 0, 0)
        become(writer_uid)
        out = write_and_read(fd)
        out["opener_pid"] = os.getppid()
        os.write(result_w, json.dumps(out).encode())
        os._exit(0)
    os.waitpid(child, 0)
    os._exit(0)
if how == "socket":
    # The opener has exited before the writer writes: its pid is gone, its authority stays with the descriptor.
    os.waitpid(opener, 0)
    writer = os.fork()
    if writer == 0:
        become(writer_uid)
        _, fds, _, _ = socket.recv_fds(right, 16, 1)
        out = write_and_read(fds[0])
        out["opener_pid"] = opener
        os.write(result_w, json.dumps(out).encode())
        os._exit(0)
    os.waitpid(writer, 0)
else:
    os.waitpid(opener, 0)
os.close(result_w)
print(os.read(result_r, 1 << 20).decode())
"""#

        static var setup: VaultMountFixture.Setup { TestCaller.setup([.init(name: vault)]) }

        func pass(_ mount: VaultMountFixture, opener: UInt32, writer: UInt32, how: String) throws -> [String: Any] {
            let run = try mount.python(TestCaller.root, PassedDescriptors.script,
                                       ["\(PassedDescriptors.vault)/keys/signer/ops", "\(opener)", "\(writer)", how])
            guard run.succeeded, let out = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
                throw VaultTestError("passing a descriptor failed: \(run)")
            }
            return out
        }

        /// The audit's KeySign lines for `pid` as the writer.
        func signLines(_ mount: VaultMountFixture, writerPID: Int) throws -> [[String: Any]] {
            try mount.auditLines().filter {
                $0["operationName"] as? String == "KeySign"
                    && (($0["caller"] as? [String: Any])?["writer"] as? [String: Any])?["pid"] as? Int == writerPID
            }
        }

        @Test(arguments: ["socket", "fork"])
        func requestsAreDecidedForTheOpenerAndAuditedWithBoth(how: String) throws {
            let v = PassedDescriptors.vault
            try VaultMountFixture.with(PassedDescriptors.setup) { mount in
                try mount.createKey(TestCaller.administrator, vault: v, ["name": "signer", "kty": "EC", "crv": "P-256"])
                let admin = TestCaller.administrator.uid, user = TestCaller.secretsUser.uid, reader = TestCaller.reader.uid

                // The Administrator opens, the Secrets User (no right on keys) writes: signed, for the Administrator.
                let allowed = try pass(mount, opener: admin, writer: user, how: how)
                #expect(allowed["write"] as? Int == 0, "\(allowed)")
                let answer = allowed["answer"] as? [String: Any]
                #expect(answer?["value"] is String && (answer?["kid"] as? String)?.contains("/keys/signer/") == true, "\(allowed)")
                let lines = try signLines(mount, writerPID: allowed["writer_pid"] as? Int ?? -1)
                #expect(lines.count == 1, "\(lines)")
                let caller = lines.first?["caller"] as? [String: Any]
                #expect(caller?["uid"] as? Int == Int(admin) && caller?["pid"] as? Int == allowed["opener_pid"] as? Int, "\(lines)")
                #expect((caller?["writer"] as? [String: Any])?["uid"] as? Int == Int(user), "\(lines)")
                #expect(((caller?["writer"] as? [String: Any])?["executable"] as? String)?.contains("python") == true, "\(lines)")
                #expect(lines.first?["resultType"] as? String == "Success" && lines.first?["role"] as? String == "Key Vault Administrator")

                // The Reader opens (it may see the key, not sign with it), the Administrator writes: refused, for the Reader.
                let refused = try pass(mount, opener: reader, writer: admin, how: how)
                #expect(refused["write"] as? Int == Int(EACCES), "\(refused)")
                #expect(((refused["answer"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "ForbiddenByRbac", "\(refused)")
                let denied = try signLines(mount, writerPID: refused["writer_pid"] as? Int ?? -1)
                #expect(denied.count == 1 && denied.first?["resultType"] as? String == "Failure", "\(denied)")
                #expect((denied.first?["caller"] as? [String: Any])?["uid"] as? Int == Int(reader), "\(denied)")
                #expect(((denied.first?["caller"] as? [String: Any])?["writer"] as? [String: Any])?["uid"] as? Int == Int(admin))
                // The lines that name a writer keep the chain intact.
                #expect(try mount.kvfs(["audit", "verify"]).succeeded)
            }
        }
    }
}
