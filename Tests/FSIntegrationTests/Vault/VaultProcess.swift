import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs programs for the vault mount tests: the `kvfs` CLI as root, and probes as a chosen uid, gid and
/// groups through `setpriv`. Output goes through temporary files, so a chatty child never blocks on a pipe.
enum VaultProcess {
    struct Outcome: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var succeeded: Bool { status == 0 }
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Who a child runs as. `groups` nil means `--clear-groups`.
    struct Identity: Sendable, CustomStringConvertible {
        var uid: UInt32
        var gid: UInt32
        var groups: [UInt32]? = nil

        var setprivArguments: [String] {
            var arguments = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)"]
            if let groups, !groups.isEmpty {
                arguments.append("--groups=" + groups.map(String.init).joined(separator: ","))
            } else {
                arguments.append("--clear-groups")
            }
            return arguments
        }

        var description: String { "uid \(uid) gid \(gid) groups \(groups ?? [])" }
    }

    /// Runs `arguments` to completion, optionally feeding `input` on stdin, killing it after `timeout`.
    @discardableResult
    static func run(_ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
                    timeout: TimeInterval = 60) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-vt-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment ?? VaultProcess.childEnvironment
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if let input {
            try stdin.fileHandleForWriting.write(contentsOf: input)
            try stdin.fileHandleForWriting.close()
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw VaultTestError("timed out after \(timeout)s: \(arguments.joined(separator: " "))")
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// `/bin/sh -c script` as `identity`.
    @discardableResult
    static func shell(_ script: String, as identity: Identity, input: Data? = nil, timeout: TimeInterval = 60) throws -> Outcome {
        try run(identity.setprivArguments + ["/bin/sh", "-c", script], input: input, timeout: timeout)
    }

    /// A small, fixed environment for children: no pyenv shims, no inherited oddities.
    static let childEnvironment: [String: String] = [
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/",
        "PYTHONDONTWRITEBYTECODE": "1",
    ]
}

struct VaultTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
