import Foundation
import Synchronization

/// Runs a command in a child process and collects its output. All I/O on a test mount goes through
/// here: a process that serves a FUSE mount must not do I/O on it itself.
struct ChildProcess {
    struct Result: CustomStringConvertible {
        var status: Int32
        var standardOutput: String
        var standardError: String

        var succeeded: Bool { status == 0 }
        var description: String { "exit \(status), stdout \(standardOutput.debugDescription), stderr \(standardError.debugDescription)" }
    }

    /// Runs `arguments` (an absolute executable path first), as `uid`/`gid` through `setpriv` when given.
    static func run(_ arguments: [String], asUser uid: UInt32? = nil, group gid: UInt32? = nil) throws -> Result {
        var command = arguments
        if let uid {
            command = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid ?? uid)", "--clear-groups"] + command
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL": "C"]
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes fully before waiting, so a chatty child cannot block on a full pipe.
        let errorData = Mutex(Data())
        let errorDone = DispatchSemaphore(value: 0)
        Thread {
            errorData.withLock { $0 = error.fileHandleForReading.readDataToEndOfFile() }
            errorDone.signal()
        }.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        errorDone.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      standardOutput: String(decoding: outputData, as: UTF8.self),
                      standardError: errorData.withLock { String(decoding: $0, as: UTF8.self) })
    }

    /// Runs a Python snippet with the system interpreter (other uids cannot run root's pyenv shim).
    static func python(_ source: String, _ arguments: [String] = [], asUser uid: UInt32? = nil) throws -> Result {
        try run(["/usr/bin/python3", "-c", source] + arguments, asUser: uid)
    }
}
