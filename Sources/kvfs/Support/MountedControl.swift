import ArgumentParser
import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `--mount PATH`: send a management request through a kvfs mount's control file (`.audit`, `.access`)
/// instead of opening the store, for a caller who is not the store's owner. The mount decides for this process.
struct MountOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Go through this kvfs mount (its .audit or .access file) instead of the store: for callers who are not the store's owner.", valueName: "path"))
    var mount: String?
}

/// One request on one control file of a mount: open, write the request, read the whole answer.
enum MountedControl {
    /// Sends `request` to `file` in the mount at `mount` and returns the answer's bytes.
    /// - Throws: `VaultError` rebuilt from the answer's error (so exit codes match the store path), or from
    ///   the errno of a refused open or write.
    static func send<T: Encodable>(_ request: T, to file: String, in mount: String) throws -> [UInt8] {
        let path = (mount.hasSuffix("/") ? String(mount.dropLast()) : mount) + "/" + file
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            let number = errno
            if number == ENOENT { throw VaultError(.notFound, "\(mount) is not a kvfs mount (no \(file) there).") }
            throw MountedKey.error(errno: number, path: path)
        }
        defer { close(fd) }
        let body = [UInt8](try JSONEncoder().encode(request))
        let written = body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeErrno = errno
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while written == body.count || writeErrno == EACCES || writeErrno == EPERM {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            answer += chunk[0..<count]
        }
        if answer.first == UInt8(ascii: "{"), let failure = try? JSONDecoder().decode(ErrorAnswer.self, from: Data(answer)) {
            throw MountedKey.error(code: failure.error.code, message: failure.error.message)
        }
        guard written == body.count else { throw MountedKey.error(errno: writeErrno, path: path) }
        return answer
    }

    /// The answer decoded as `T`.
    /// - Throws: as `send`, and `.storeFailure` for an answer that is not a `T`.
    static func request<T: Encodable, A: Decodable>(_ request: T, to file: String, in mount: String, answer: A.Type) throws -> A {
        let bytes = try send(request, to: file, in: mount)
        do {
            return try JSONDecoder().decode(A.self, from: Data(bytes))
        } catch {
            throw VaultError(.storeFailure, "The mount's answer on \(file) could not be read.")
        }
    }

    private struct ErrorAnswer: Decodable {
        struct Body: Decodable {
            var code: String
            var message: String
        }
        var error: Body
    }
}
