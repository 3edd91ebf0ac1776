import Foundation

/// One filesystem operation a probe performs in a child process, and what came of it: `OK` or the errno's
/// name (`EACCES`, `ENOENT`, ...), plus a value for operations that read something.
enum ProbeOp: Sendable {
    case list(String)
    case stat(String)
    case read(String)
    /// open(O_WRONLY|O_TRUNC), write, close.
    case overwrite(String, String)
    /// open(O_WRONLY|O_CREAT|O_TRUNC), write, close.
    case create(String, String)
    /// open(O_WRONLY|O_APPEND), write, close.
    case append(String, String)
    /// open(O_RDWR), lseek(offset), write, close.
    case rewrite(String, offset: Int, String)
    /// open(flags) then close, with no write: "w" = O_WRONLY, "rw" = O_RDWR, "wt" = O_WRONLY|O_TRUNC.
    case openClose(String, String)
    /// Writes `count` bytes of 'x' (in one write) to a new or existing file, O_TRUNC.
    case writeBytes(String, count: Int)
    case truncate(String, Int)
    case getxattr(String, String)
    case setxattr(String, String, String)
    case listxattr(String)
    case unlink(String)
    case rename(String, String)

    var json: [Any] {
        switch self {
        case .list(let p): ["list", p]
        case .stat(let p): ["stat", p]
        case .read(let p): ["read", p]
        case .overwrite(let p, let v): ["overwrite", p, v]
        case .create(let p, let v): ["create", p, v]
        case .append(let p, let v): ["append", p, v]
        case .rewrite(let p, let offset, let v): ["rewrite", p, offset, v]
        case .openClose(let p, let flags): ["openclose", p, flags]
        case .writeBytes(let p, let count): ["writebytes", p, count]
        case .truncate(let p, let n): ["truncate", p, n]
        case .getxattr(let p, let n): ["getxattr", p, n]
        case .setxattr(let p, let n, let v): ["setxattr", p, n, v]
        case .listxattr(let p): ["listxattr", p]
        case .unlink(let p): ["unlink", p]
        case .rename(let a, let b): ["rename", a, b]
        }
    }
}

/// The outcome of one probe operation.
struct ProbeResult: CustomStringConvertible {
    /// `OK` or an errno name.
    var result: String
    var value: Any?

    var ok: Bool { result == "OK" }
    var text: String? { value as? String }
    var names: [String] { value as? [String] ?? [] }
    var statValue: [String: Any] { value as? [String: Any] ?? [:] }
    func number(_ key: String) -> Double? { (statValue[key] as? NSNumber)?.doubleValue }
    var description: String { value.map { "\(result) \($0)" } ?? result }
}

/// The python side of the probes: runs each operation in order and prints one JSON list of results.
enum ProbeScript {
    static let source = #"""
import errno, json, os, sys

def run(op):
    kind, path = op[0], op[1]
    if kind == "list":
        return sorted(os.listdir(path))
    if kind == "stat":
        s = os.stat(path)
        return {"uid": s.st_uid, "gid": s.st_gid, "mode": s.st_mode & 0o7777, "isdir": 1 if (s.st_mode & 0o170000) == 0o040000 else 0,
                "size": s.st_size, "mtime": s.st_mtime, "ino": s.st_ino}
    if kind == "read":
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    def write_with(flags, data, offset=None):
        fd = os.open(path, flags, 0o600)
        try:
            if offset is not None:
                os.lseek(fd, offset, os.SEEK_SET)
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        except OSError:
            try:
                os.close(fd)
            except OSError:
                pass
            raise
        os.close(fd)
        return None
    if kind == "overwrite":
        return write_with(os.O_WRONLY | os.O_TRUNC, op[2].encode("latin-1"))
    if kind == "create":
        return write_with(os.O_WRONLY | os.O_CREAT | os.O_TRUNC, op[2].encode("latin-1"))
    if kind == "append":
        return write_with(os.O_WRONLY | os.O_APPEND, op[2].encode("latin-1"))
    if kind == "rewrite":
        return write_with(os.O_RDWR, op[3].encode("latin-1"), op[2])
    if kind == "writebytes":
        return write_with(os.O_WRONLY | os.O_CREAT | os.O_TRUNC, b"x" * op[2])
    if kind == "openclose":
        flags = {"w": os.O_WRONLY, "rw": os.O_RDWR, "wt": os.O_WRONLY | os.O_TRUNC}[op[2]]
        os.close(os.open(path, flags))
        return None
    if kind == "truncate":
        os.truncate(path, op[2])
        return None
    if kind == "getxattr":
        return os.getxattr(path, op[2]).decode("utf-8", "replace")
    if kind == "setxattr":
        os.setxattr(path, op[2], op[3].encode("utf-8"))
        return None
    if kind == "listxattr":
        return sorted(os.listxattr(path))
    if kind == "unlink":
        os.unlink(path)
        return None
    if kind == "rename":
        os.rename(path, op[2])
        return None
    raise ValueError(kind)

results = []
for op in json.loads(sys.argv[1]):
    try:
        value = run(op)
        results.append({"r": "OK", "v": value})
    except OSError as e:
        results.append({"r": errno.errorcode.get(e.errno, str(e.errno))})
print(json.dumps(results))
"""#
}
