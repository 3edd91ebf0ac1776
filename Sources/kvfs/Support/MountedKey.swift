import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// A key directory on a kvfs mount: requests go through its `ops` file (write one request, read the answer on
/// the same open file), decided by the mount for this process.
struct MountedKey {
    var directory: String

    /// Sends one request and returns its result.
    /// - Throws: `VaultError` rebuilt from the answer's error, or from the errno of a refused write.
    func perform(_ request: KeyOperationRequest) throws -> KeyOperationResult {
        let path = directory + "/ops"
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw MountedKey.error(errno: errno, path: path) }
        defer { close(fd) }
        let encoder = JSONEncoder()
        var body = [UInt8](try encoder.encode(request))
        defer { body.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        let written = body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeErrno = errno
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            answer += chunk[0..<count]
        }
        if let failure = try? JSONDecoder().decode(ErrorAnswer.self, from: Data(answer)) {
            throw MountedKey.error(code: failure.error.code, message: failure.error.message)
        }
        guard written == body.count else { throw MountedKey.error(errno: writeErrno, path: path) }
        do {
            return try JSONDecoder().decode(KeyOperationResult.self, from: Data(answer))
        } catch {
            throw VaultError(.storeFailure, "The mount's answer on \(path) could not be read.")
        }
    }

    private struct ErrorAnswer: Decodable {
        struct Body: Decodable {
            var code: String
            var message: String
        }
        var error: Body
    }

    static func error(errno number: Int32, path: String) -> VaultError {
        let reason = String(cString: strerror(number))
        switch number {
        case ENOENT: return VaultError(.notFound, "\(path): \(reason).")
        case EACCES: return VaultError(.accessDenied, "\(path): \(reason).")
        case EPERM: return VaultError(.forbidden, "\(path): \(reason).")
        case EINVAL: return VaultError(.invalidArgument, "\(path): the mount refused the request as malformed.")
        default: return VaultError(.storeFailure, "\(path): \(reason).")
        }
    }

    /// An answer's error, rebuilt with the engine's own reason for its Azure code (so exit codes match the store path).
    static func error(code: String, message: String) -> VaultError {
        VaultError(VaultError.Reason(azureCode: code), message)
    }
}
