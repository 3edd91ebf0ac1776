import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// Certificates through the mount (docs/certificates.md): openssl reading the mounted files, a TLS
    /// handshake served from them, the role table, the managed key and secret, PFX secrets. Every suite in
    /// `VaultCertificate*Tests.swift` nests here, so they run one at a time (`--filter VaultCertificate`).
    @Suite(.serialized) enum VaultCertificates {}
}

/// Callers of the certificate tests: one uid per role, apart from the secret and key tests' callers.
enum CertCaller {
    typealias Identity = VaultProcess.Identity

    static let nobody = Identity(uid: 2201, gid: 2201)
    static let reader = Identity(uid: 2202, gid: 2202)
    static let officer = Identity(uid: 2203, gid: 2203)
    static let certificateUser = Identity(uid: 2204, gid: 2204)
    static let secretsUser = Identity(uid: 2205, gid: 2205)
    static let administrator = Identity(uid: 2206, gid: 2206)

    static let users: [(name: String, uid: UInt32)] = [
        ("c-nobody", 2201), ("c-reader", 2202), ("c-officer", 2203), ("c-certuser", 2204), ("c-secuser", 2205),
        ("c-admin", 2206),
    ]

    /// Vault-scope roles of the callers above on `vault` (`c-nobody` holds none).
    static func assignments(_ vault: String) -> [(String, String, String)] {
        [
            ("c-reader", "Key Vault Reader", "/vaults/\(vault)"),
            ("c-officer", "Key Vault Certificates Officer", "/vaults/\(vault)"),
            ("c-certuser", "Key Vault Certificate User", "/vaults/\(vault)"),
            ("c-secuser", "Key Vault Secrets User", "/vaults/\(vault)"),
            ("c-admin", "Key Vault Administrator", "/vaults/\(vault)"),
        ]
    }

    static func setup(_ vault: String, purgeProtection: Bool = false) -> VaultMountFixture.Setup {
        VaultMountFixture.Setup(vaults: [.init(name: vault, purgeProtection: purgeProtection)], users: users,
                                assignments: assignments(vault))
    }
}

/// CertificatePolicy JSON (camelCase, as `kvfs certificate get-default-policy` prints it).
enum CertPolicy {
    static let pem = "application/x-pem-file"
    static let pkcs12 = "application/x-pkcs12"

    static func make(subject: String, dnsNames: [String] = [], issuer: String = "Self", contentType: String = pem,
                     exportable: Bool = true, keyType: String = "RSA", keySize: Int? = 2048, curve: String? = nil,
                     keyUsage: [String] = ["digitalSignature", "keyEncipherment"],
                     ekus: [String] = ["1.3.6.1.5.5.7.3.1"], validityInMonths: Int = 12) -> [String: Any] {
        var keyProperties: [String: Any] = ["exportable": exportable, "keyType": keyType, "reuseKey": false]
        if let keySize { keyProperties["keySize"] = keySize }
        if let curve { keyProperties["curve"] = curve }
        return [
            "issuerParameters": ["name": issuer],
            "keyProperties": keyProperties,
            "secretProperties": ["contentType": contentType],
            "x509CertificateProperties": [
                "subject": subject,
                "subjectAlternativeNames": ["dnsNames": dnsNames],
                "keyUsage": keyUsage,
                "ekus": ekus,
                "validityInMonths": validityInMonths,
            ] as [String: Any],
        ]
    }

    /// A quick self-signed EC P-256 policy, for certificates whose only purpose is to exist.
    static func quick(_ subject: String) -> [String: Any] {
        make(subject: "CN=\(subject)", keyType: "EC", keySize: nil, curve: "P-256", keyUsage: ["digitalSignature"])
    }
}

extension VaultMountFixture {
    /// One request to `<vault>/certificates/.ops` as `identity`; the answer is read back on the same descriptor.
    func certificateOps(_ identity: VaultProcess.Identity, vault: String, _ request: [String: Any]) throws -> KeyStepResult {
        try keyProbe(identity, .ops("\(vault)/certificates/.ops", KeyJSON.text(request)))
    }

    /// Creates a certificate through `certificates/.ops` as `identity` and returns the CertificateOperation;
    /// throws unless it was accepted with the expected status (`completed` for `Self`, `inProgress` for `Unknown`).
    @discardableResult
    func createCertificate(_ identity: VaultProcess.Identity, vault: String, name: String, policy: [String: Any])
        throws -> [String: Any] {
        let result = try certificateOps(identity, vault: vault, ["op": "create", "name": name, "policy": policy])
        let issuer = ((policy["issuerParameters"] as? [String: Any])?["name"] as? String) ?? "Unknown"
        let expected = issuer == "Self" ? "completed" : "inProgress"
        guard result.answered, result.errorCode == nil, result.object["status"] as? String == expected else {
            throw VaultTestError("creating certificate \(name) failed: \(result)")
        }
        return result.object
    }

    /// Runs a python script as `identity` and parses the one JSON object it prints.
    func pythonJSON(_ identity: VaultProcess.Identity, _ source: String, _ arguments: [String] = [],
                    timeout: TimeInterval = 60) throws -> [String: Any] {
        let run = try python(identity, source, arguments, timeout: timeout)
        guard run.succeeded,
              let object = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw VaultTestError("python as \(identity) failed: \(run)")
        }
        return object
    }
}

/// Helpers shared by the python sides of the certificate tests (prepended to each script).
enum CertScript {
    static let prelude = #"""
import base64, ctypes, json, os, shutil, signal, socket, subprocess, sys, tempfile, time

mnt = os.environ["KVFS_MNT"]
work = tempfile.mkdtemp(prefix="kvfs-cert-")

def run(*args, input=None, timeout=30):
    try:
        p = subprocess.run(list(args), input=input, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"rc": -999, "out": "", "err": "timeout"}
    return {"rc": p.returncode, "out": p.stdout.decode("latin-1"), "err": p.stderr.decode("latin-1")[-600:]}

def put(name, data):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path

def finish(out):
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out))

"""#
}
