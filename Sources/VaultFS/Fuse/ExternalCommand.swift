import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (`fusermount3`, `umount`) found on `PATH` and collects its exit status and
/// combined output. Used only for mount management, never on the request path.
struct ExternalCommand {
    struct Outcome {
        var status: Int32
        var output: String
        var succeeded: Bool { status == 0 }
    }

    static func run(_ arguments: [String]) -> Outcome {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            return Outcome(status: -1, output: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        // Keep the pipe out of every other child (a FUSE worker may spawn concurrently).
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawnResult = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        close(pipeFDs[1])
        guard spawnResult == 0 else {
            close(pipeFDs[0])
            return Outcome(status: -1, output: "cannot run \(arguments[0]): \(String(cString: strerror(spawnResult)))")
        }

        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(pipeFDs[0], $0.baseAddress, $0.count) }
            if count > 0 {
                output += chunk[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(pipeFDs[0])

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros: decode the wait status by hand.
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Outcome(status: exitStatus, output: text)
    }
}
