import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One step of a key probe, run in a child process as a chosen identity. Paths are relative to the mount.
enum KeyStep: Sendable {
    /// Opens `path` O_RDWR, writes `request` in one `write`, reads the answer back on the same descriptor
    /// (also after a failed write), closes.
    case ops(String, String)
    /// Opens `path` O_RDWR and writes `count` bytes in one `write`: a valid ES256 sign request padded with
    /// spaces after it (or before it, `padFirst`), then reads the answer back.
    case bigWrite(String, count: Int, padFirst: Bool = false)
    case list(String)
    case read(String)
    case stat(String)
    case getxattr(String, String)
    case setxattr(String, String, String)
    /// Every `user.*` attribute of `path`, name → value.
    case xattrs(String)
    case rmdir(String)
    case unlink(String)
    case rename(String, String)

    var json: [Any] {
        switch self {
        case .ops(let p, let r): ["ops", p, r]
        case .bigWrite(let p, let n, let first): ["bigwrite", p, n, first]
        case .list(let p): ["list", p]
        case .read(let p): ["read", p]
        case .stat(let p): ["stat", p]
        case .getxattr(let p, let n): ["getxattr", p, n]
        case .setxattr(let p, let n, let v): ["setxattr", p, n, v]
        case .xattrs(let p): ["xattrs", p]
        case .rmdir(let p): ["rmdir", p]
        case .unlink(let p): ["unlink", p]
        case .rename(let a, let b): ["rename", a, b]
        }
    }

    /// The paths of the step, to be made absolute.
    var pathIndices: [Int] {
        if case .rename = self { return [1, 2] }
        return [1]
    }
}

/// What came of a key probe step: `result` is `OK` or the errno name of the open (or of the whole step);
/// for `.ops`, `write` is the write's outcome and `answer` the text read back.
struct KeyStepResult: CustomStringConvertible {
    var result: String
    var write: String?
    var answer: String?
    var value: Any?
    /// For `.ops`, the errno of the read, when it failed.
    var readError: String? = nil

    var ok: Bool { result == "OK" }
    /// The `.ops` step fully succeeded: opened, written, answered.
    var answered: Bool { ok && write == "OK" && answer != nil }
    var text: String? { value as? String }
    var names: [String] { value as? [String] ?? [] }
    var attributes: [String: String] { value as? [String: String] ?? [:] }

    /// The answer parsed as JSON.
    var json: Any? {
        guard let answer, let data = answer.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    /// `error.code` of an error answer.
    var errorCode: String? { KeyJSON.errorCode(object) }
    /// `value` of a successful answer as base64url text.
    var valueText: String? { object["value"] as? String }
    /// `value` of a verify answer.
    var verdict: Bool? { (object["value"] as? NSNumber).map(\.boolValue) }
    /// The combined outcome used by tables: the errno of the open or write, else `OK`, then the error code.
    var outcome: String {
        if !ok { return result }
        if let write, write != "OK" { return write }
        return "OK"
    }

    var description: String {
        "\(result) write=\(write ?? "-") answer=\(answer.map { String($0.prefix(300)) } ?? "-") value=\(value.map { "\($0)".prefix(200) } ?? "-")"
    }
}

enum KeyJSON {
    static func errorCode(_ object: [String: Any]) -> String? {
        (object["error"] as? [String: Any])?["code"] as? String
    }

    /// Compact JSON text of `object`.
    static func text(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
               as: UTF8.self)
    }

    static func parse(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    static func b64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func fromB64url(_ text: String) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }

    static func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    /// A crypto request for an `ops` file.
    static func request(_ op: String, _ alg: String, value: [UInt8], digest: [UInt8]? = nil) -> String {
        var object: [String: Any] = ["op": op, "alg": alg, "value": b64url(value)]
        if let digest { object["digest"] = b64url(digest) }
        return text(object)
    }
}

/// The python side of key probes.
enum KeyProbeScript {
    static let source = #"""
import errno, json, os, sys

def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))

def ops(path, request):
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as e:
        return {"r": name(e)}
    out = {"r": "OK"}
    try:
        data = request.encode("utf-8")
        n = os.write(fd, data)
        out["w"] = "OK" if n == len(data) else "SHORT%d" % n
    except OSError as e:
        out["w"] = name(e)
    try:
        chunks = []
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            chunks.append(b)
        out["a"] = b"".join(chunks).decode("utf-8", "replace")
    except OSError as e:
        out["readerr"] = name(e)
    os.close(fd)
    return out

def run(op):
    kind, path = op[0], op[1]
    if kind == "ops":
        return ops(path, op[2])
    if kind == "bigwrite":
        body = b'{"op":"sign","alg":"ES256","value":"' + b"A" * 43 + b'"}'
        pad = b" " * (op[2] - len(body))
        return ops(path, (pad + body if op[3] else body + pad).decode())
    if kind == "list":
        return {"r": "OK", "v": sorted(os.listdir(path))}
    if kind == "read":
        with open(path, "rb") as f:
            return {"r": "OK", "v": f.read().decode("latin-1")}
    if kind == "stat":
        s = os.stat(path)
        return {"r": "OK", "v": {"mode": s.st_mode & 0o7777, "size": s.st_size, "uid": s.st_uid}}
    if kind == "getxattr":
        return {"r": "OK", "v": os.getxattr(path, op[2]).decode("utf-8", "replace")}
    if kind == "setxattr":
        os.setxattr(path, op[2], op[3].encode("utf-8"))
        return {"r": "OK"}
    if kind == "xattrs":
        return {"r": "OK", "v": {n: os.getxattr(path, n).decode("utf-8", "replace") for n in os.listxattr(path)}}
    if kind == "rmdir":
        os.rmdir(path)
        return {"r": "OK"}
    if kind == "unlink":
        os.unlink(path)
        return {"r": "OK"}
    if kind == "rename":
        os.rename(path, op[2])
        return {"r": "OK"}
    raise ValueError(kind)

results = []
for op in json.loads(sys.stdin.read()):
    try:
        results.append(run(op))
    except OSError as e:
        results.append({"r": name(e)})
print(json.dumps(results))
"""#
}

extension VaultMountFixture {
    /// Where the key probe script lives (written on first use).
    var keyProbePath: String { directory + "/keyprobe.py" }

    /// Runs `steps` in order as `identity`, in one child process.
    func keyProbe(_ identity: VaultProcess.Identity, _ steps: [KeyStep], timeout: TimeInterval = 60) throws -> [KeyStepResult] {
        if !FileManager.default.fileExists(atPath: keyProbePath) {
            try KeyProbeScript.source.write(toFile: keyProbePath, atomically: true, encoding: .utf8)
            chmod(keyProbePath, 0o644)
        }
        let absolute = steps.map { step -> [Any] in
            var json = step.json
            for index in step.pathIndices { json[index] = path(json[index] as! String) }
            return json
        }
        let input = try JSONSerialization.data(withJSONObject: absolute)
        let outcome = try VaultProcess.run(identity.setprivArguments + ["/usr/bin/python3", keyProbePath], input: input,
                                           timeout: timeout)
        guard outcome.succeeded,
              let list = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]],
              list.count == steps.count else {
            throw VaultTestError("key probe as \(identity) failed: \(outcome)")
        }
        return list.map {
            KeyStepResult(result: $0["r"] as? String ?? "?", write: $0["w"] as? String, answer: $0["a"] as? String,
                          value: $0["v"].flatMap { $0 is NSNull ? nil : $0 }, readError: $0["readerr"] as? String)
        }
    }

    func keyProbe(_ identity: VaultProcess.Identity, _ step: KeyStep) throws -> KeyStepResult {
        try keyProbe(identity, [step])[0]
    }

    /// Sends one crypto request to `path` (an `ops` file) as `identity`.
    func keyOp(_ identity: VaultProcess.Identity, _ path: String, _ request: String) throws -> KeyStepResult {
        try keyProbe(identity, .ops(path, request))
    }

    /// Creates a key through `<vault>/keys/.ops` as `identity` and returns the KeyBundle; throws unless it worked.
    @discardableResult
    func createKey(_ identity: VaultProcess.Identity, vault: String, _ request: [String: Any]) throws -> [String: Any] {
        var request = request
        if request["op"] == nil { request["op"] = "create" }
        let result = try keyProbe(identity, .ops("\(vault)/keys/.ops", KeyJSON.text(request)))
        guard result.answered, result.errorCode == nil, result.object["key"] != nil else {
            throw VaultTestError("creating \(request) failed: \(result)")
        }
        return result.object
    }

    /// `/usr/bin/python3 -c source args...` as `identity` (stdin `input`), with the working directory at the
    /// mount's root; the mountpoint is in `$KVFS_MNT`.
    func python(_ identity: VaultProcess.Identity, _ source: String, _ arguments: [String] = [], input: Data? = nil,
                timeout: TimeInterval = 60) throws -> VaultProcess.Outcome {
        var environment = VaultProcess.childEnvironment
        environment["KVFS_MNT"] = mountpoint
        return try VaultProcess.run(identity.setprivArguments + ["/usr/bin/python3", "-c", source] + arguments,
                                    input: input, environment: environment, timeout: timeout)
    }
}

/// Callers of the key tests: one uid per key role, apart from the secret tests' callers.
enum KeyCaller {
    typealias Identity = VaultProcess.Identity

    static let nobody = Identity(uid: 2101, gid: 2101)
    static let reader = Identity(uid: 2102, gid: 2102)
    static let cryptoUser = Identity(uid: 2103, gid: 2103)
    static let encryptionUser = Identity(uid: 2104, gid: 2104)
    static let officer = Identity(uid: 2105, gid: 2105)
    static let administrator = Identity(uid: 2106, gid: 2106)
    /// Crypto User on one key only.
    static let objectUser = Identity(uid: 2107, gid: 2107)

    static let users: [(name: String, uid: UInt32)] = [
        ("k-nobody", 2101), ("k-reader", 2102), ("k-cryptouser", 2103), ("k-encuser", 2104), ("k-officer", 2105),
        ("k-admin", 2106), ("k-objuser", 2107),
    ]

    /// Vault-scope roles of the callers above on `vault` (the object-scope user's assignment is added by the suite).
    static func assignments(_ vault: String) -> [(String, String, String)] {
        [
            ("k-reader", "Key Vault Reader", "/vaults/\(vault)"),
            ("k-cryptouser", "Key Vault Crypto User", "/vaults/\(vault)"),
            ("k-encuser", "Key Vault Crypto Service Encryption User", "/vaults/\(vault)"),
            ("k-officer", "Key Vault Crypto Officer", "/vaults/\(vault)"),
            ("k-admin", "Key Vault Administrator", "/vaults/\(vault)"),
        ]
    }

    static func setup(_ vault: String, purgeProtection: Bool = false, extra: [(String, String, String)] = []) -> VaultMountFixture.Setup {
        VaultMountFixture.Setup(vaults: [.init(name: vault, purgeProtection: purgeProtection)], users: users,
                                assignments: assignments(vault) + extra)
    }
}
