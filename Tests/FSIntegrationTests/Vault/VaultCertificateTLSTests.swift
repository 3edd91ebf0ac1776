import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// docs/certificates.md "A TLS server can use the mount directly": `openssl s_server` serves the mounted
    /// `cert.pem` with the managed secret as its key, and `openssl s_client` verifies it against the same file.
    @Suite(.serialized) struct TLS {
        static let vault = "ctls"

        /// argv: vault, certificate name. Starts `s_server` on a free port (dying with this script), waits for
        /// the port, runs `s_client` once, always kills the server. Prints one JSON object.
        static let script = CertScript.prelude + #"""
vault, name = sys.argv[1], sys.argv[2]
cert = os.path.join(mnt, vault, "certificates", name, "cert.pem")
key = os.path.join(mnt, vault, "secrets", name)
out = {}

def die_with_parent():
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
log = open(os.path.join(work, "server.log"), "wb")
server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", cert, "-key", key, "-www"],
                          stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
try:
    deadline = time.time() + 15
    listening = False
    while time.time() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            listening = True
            break
        except OSError:
            time.sleep(0.05)
    out["listening"] = listening
    if listening:
        client = run("openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile", cert, "-verify_return_error",
                     "-servername", "localhost", "-verify_hostname", "localhost", "-ign_eof",
                     input=b"GET / HTTP/1.0\r\n\r\n", timeout=20)
        out["client_rc"] = client["rc"]
        out["verify"] = [l.strip() for l in client["out"].splitlines() if "Verify return code" in l]
        out["http"] = "HTTP/1.0 200 ok" in client["out"]
        out["peer_cn"] = [l.strip() for l in client["out"].splitlines() if l.startswith("subject=")]
        out["client_err"] = client["err"]
finally:
    out["server_exit"] = server.poll()
    if server.poll() is None:
        server.kill()
    server.wait(timeout=10)
    log.close()
    with open(os.path.join(work, "server.log"), "rb") as f:
        out["server_log"] = f.read().decode("latin-1")[-600:]
finish(out)
"""#

        @Test func handshakeFromMountedFiles() throws {
            let v = TLS.vault
            try VaultMountFixture.with(CertCaller.setup(v)) { mount in
                // The Certificates Officer creates it; the policy is the brief's: Self, CN=localhost, SAN DNS
                // localhost, exportable, PEM.
                try mount.createCertificate(CertCaller.officer, vault: v, name: "web",
                                            policy: CertPolicy.make(subject: "CN=localhost", dnsNames: ["localhost"]))
                // The Certificate User may read both cert.pem (certificates/read) and the secret (getSecret).
                let out = try mount.pythonJSON(CertCaller.certificateUser, TLS.script, [v, "web"], timeout: 60)
                #expect(out["listening"] as? Bool == true, "s_server did not listen: \(out)")
                #expect(out["client_rc"] as? Int == 0, "s_client: \(out)")
                let verify = out["verify"] as? [String] ?? []
                #expect(!verify.isEmpty && verify.allSatisfy { $0 == "Verify return code: 0 (ok)" }, "\(verify) \(out)")
                #expect(out["http"] as? Bool == true, "no HTTP answer through TLS: \(out)")
                #expect((out["peer_cn"] as? [String] ?? []).contains { $0.contains("CN") && $0.contains("localhost") }, "\(out)")
                #expect(out["server_exit"] is NSNull, "s_server must still be running until it is killed: \(out)")

                // A Reader may read cert.pem but not the secret: the server cannot load its key and never listens.
                let denied = try mount.pythonJSON(CertCaller.reader, TLS.script, [v, "web"], timeout: 60)
                #expect(denied["listening"] as? Bool == false, "\(denied)")
                #expect((denied["server_exit"] as? Int).map { $0 != 0 } == true, "\(denied)")
            }
        }
    }
}
