import Foundation
import Testing

extension VaultMountTests.VaultCertificates {
    /// docs/certificates.md "Decoded forms": a PKCS#12 certificate's secret is also `secrets/<name>.pem` (key
    /// and chain) and `secrets/<name>.pfx` (binary), read with the secret's own role, so nginx and Python's
    /// ssl load it straight from the mount; a PEM certificate's secret is used as it is.
    @Suite(.serialized) struct Forms {
        static let vault = "cforms"
        /// Holds Secrets User on the two certificates' secrets only.
        static let server = VaultProcess.Identity(uid: 2207, gid: 2207)

        static var setup: VaultMountFixture.Setup {
            var setup = CertCaller.setup(vault)
            setup.users.append(("c-server", server.uid))
            setup.assignments += ["bundle", "plain"].map { ("c-server", "Key Vault Secrets User", "/vaults/\(vault)/secrets/\($0)") }
            return setup
        }

        /// argv: vault, then `nginx` to run the servers. As the caller it runs as: sizes and bytes of the forms, Python's `load_cert_chain` on
        /// each file, then nginx (master and worker as this uid, config in a temp dir, two TLS servers on free
        /// high ports: the `.pem` form and the PEM secret), a TLS client per port, and a clean stop (SIGQUIT).
        static let script = CertScript.prelude + #"""
import hashlib, ssl
vault = sys.argv[1]
secrets = os.path.join(mnt, vault, "secrets")
out = {}
def errno_of(f):
    try:
        f()
        return 0
    except OSError as e:
        return e.errno
for name in ("bundle.pem", "bundle.pfx", "plain"):
    p = os.path.join(secrets, name)
    try:
        with open(p, "rb") as f:
            data = f.read()
        out[name] = {"size": len(data), "stat_size": os.stat(p).st_size, "sha": hashlib.sha256(data).hexdigest(),
                     "keys": data.count(b"-----BEGIN PRIVATE KEY-----"), "certs": data.count(b"-----BEGIN CERTIFICATE-----")}
    except OSError as e:
        out[name] = {"errno": e.errno}
for name in ("bundle.pem", "plain"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    out["load " + name] = errno_of(lambda: ctx.load_cert_chain(os.path.join(secrets, name)))
out["open bundle.pfx for writing"] = errno_of(lambda: os.close(os.open(os.path.join(secrets, "bundle.pfx"), os.O_WRONLY)))
if sys.argv[2:] == ["nginx"]:
    def free_port():
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port
    ports = {"bundle.pem": free_port(), "plain": free_port()}
    servers = "".join('server { listen 127.0.0.1:%d ssl; ssl_certificate %s; ssl_certificate_key %s; location / { return 200 "%s"; } }\n'
                      % (port, os.path.join(secrets, name), os.path.join(secrets, name), name) for name, port in ports.items())
    temps = "".join("%s_temp_path %s/%s;\n" % (t, work, t) for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = put("nginx.conf", "worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log info;\nevents { worker_connections 16; }\n"
                             "http { access_log off;\n%s%s}\n" % (work, work, temps, servers))
    nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", work, "-e", work + "/error.log", "-c", conf, "-g", "daemon off;"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             preexec_fn=lambda: ctypes.CDLL(None).prctl(1, signal.SIGKILL))
    try:
        for name, port in ports.items():
            deadline, answer = time.time() + 15, None
            while time.time() < deadline and nginx.poll() is None and answer is None:
                try:
                    client = ssl.create_default_context()
                    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
                    with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
                        with client.wrap_socket(raw, server_hostname="localhost") as tls:
                            tls.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                            body = b""
                            while True:
                                chunk = tls.recv(4096)
                                if not chunk:
                                    break
                                body += chunk
                            answer = {"served_sha": hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest(),
                                      "http": body.split(b"\r\n")[0].decode(), "body": body.split(b"\r\n\r\n", 1)[-1].decode()}
                except (ConnectionRefusedError, socket.timeout):
                    time.sleep(0.05)
            out["nginx " + name] = answer
        out["nginx_uid"] = os.stat("/proc/%d" % nginx.pid).st_uid
    finally:
        if nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)
        try:
            out["nginx_exit"] = nginx.wait(timeout=15)
        except subprocess.TimeoutExpired:
            nginx.kill()
            out["nginx_exit"] = "killed"
        out["nginx_stderr"] = nginx.stderr.read().decode("latin-1")[-400:]
        try:
            out["nginx_log"] = open(work + "/error.log").read()[-600:]
        except OSError:
            pass
finish(out)
"""#

        /// As the Administrator: the certificates' leaf DER digests and the PKCS#12 secret's value decoded.
        static let reference = CertScript.prelude + #"""
import hashlib
vault = sys.argv[1]
out = {}
for name in ("bundle", "plain"):
    with open(os.path.join(mnt, vault, "certificates", name, "cert.cer"), "rb") as f:
        out[name + " leaf"] = hashlib.sha256(f.read()).hexdigest()
with open(os.path.join(mnt, vault, "secrets", "bundle"), "rb") as f:
    out["bundle pfx"] = hashlib.sha256(base64.b64decode(f.read())).hexdigest()
finish(out)
"""#

        @Test func nginxAndPythonLoadTheMountedCertificates() throws {
            let v = Forms.vault
            try VaultMountFixture.with(Forms.setup) { mount in
                let admin = CertCaller.administrator
                try mount.createCertificate(admin, vault: v, name: "bundle",
                                            policy: CertPolicy.make(subject: "CN=localhost", dnsNames: ["localhost"],
                                                                    contentType: CertPolicy.pkcs12))
                try mount.createCertificate(admin, vault: v, name: "plain",
                                            policy: CertPolicy.make(subject: "CN=localhost", dnsNames: ["localhost"]))
                let reference = try mount.pythonJSON(admin, Forms.reference, [v])
                let out = try mount.pythonJSON(Forms.server, Forms.script, [v, "nginx"], timeout: 90)
                for name in ["bundle.pem", "bundle.pfx", "plain"] {
                    let file = out[name] as? [String: Any]
                    #expect(file?["size"] as? Int != nil && file?["size"] as? Int == file?["stat_size"] as? Int,
                            "\(name): stat shows the exact size: \(out)")
                }
                let pem = out["bundle.pem"] as? [String: Any]
                #expect(pem?["keys"] as? Int == 1 && pem?["certs"] as? Int == 1, "\(out)")
                #expect((out["bundle.pfx"] as? [String: Any])?["sha"] as? String == reference["bundle pfx"] as? String,
                        "the .pfx form is the decoded PFX: \(out)")
                #expect(out["load bundle.pem"] as? Int == 0 && out["load plain"] as? Int == 0, "\(out)")
                #expect(out["open bundle.pfx for writing"] as? Int == Int(EACCES), "\(out)")
                #expect(out["nginx_uid"] as? Int == Int(Forms.server.uid), "\(out)")
                for (name, certificate) in [("bundle.pem", "bundle"), ("plain", "plain")] {
                    let served = out["nginx " + name] as? [String: Any]
                    #expect(served?["http"] as? String == "HTTP/1.1 200 OK" && served?["body"] as? String == name, "\(name): \(out)")
                    #expect(served?["served_sha"] as? String == reference[certificate + " leaf"] as? String,
                            "\(name): nginx serves the certificate's leaf: \(out)")
                }
                #expect(out["nginx_exit"] as? Int == 0, "nginx stopped cleanly: \(out)")

                // A caller without the secret's role: exact errnos, for the forms and Python's load alike.
                let denied = try mount.pythonJSON(CertCaller.nobody, Forms.script, [v])
                for name in ["bundle.pem", "bundle.pfx", "plain"] {
                    #expect((denied[name] as? [String: Any])?["errno"] as? Int == Int(EACCES), "\(name): \(denied)")
                }
                #expect(denied["load bundle.pem"] as? Int == Int(EACCES) && denied["load plain"] as? Int == Int(EACCES), "\(denied)")
                // The Reader sees the secret's metadata but not its value: size 0, no read bit, open refused.
                let reader = try mount.probe(CertCaller.reader, [.stat("\(v)/secrets/bundle.pem"), .read("\(v)/secrets/bundle.pem")])
                #expect(reader[0].ok && reader[0].number("size") == 0 && reader[0].number("mode") == 0, "\(reader)")
                #expect(reader[1].result == "EACCES", "\(reader)")
                // Only a certificate's PKCS#12 secret has forms; the listing shows secrets only.
                let others = try mount.probe(admin, [.stat("\(v)/secrets/plain.pem"), .stat("\(v)/secrets/bundle.txt"),
                                                     .list("\(v)/secrets")])
                #expect(others[0].result == "ENOENT" && others[1].result == "EINVAL", "\(others)")
                #expect(others[2].names.sorted() == [".ops", ".versions", "bundle", "plain"], "\(others)")
                // Reading a form is reading the secret: audited as SecretGet.
                // Identical reads of one caller fold into one line with a count, written once its processes exit.
                let gets = try mount.auditLines(adding: 3) {
                    $0["operationName"] as? String == "SecretGet" && $0["object"] as? String == "bundle"
                        && ($0["caller"] as? [String: Any])?["uid"] as? Int == Int(Forms.server.uid)
                }
                #expect(VaultMountFixture.requests(in: gets) >= 3, "\(gets) SecretGet lines")
            }
        }
    }
}
