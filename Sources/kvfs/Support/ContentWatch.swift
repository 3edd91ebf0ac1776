import ArgumentParser
import Foundation
import VaultEngine
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

/// The stop signals' self-pipe: the handler writes one byte, the watch loop polls the read end.
nonisolated(unsafe) private var stopPipe: (read: Int32, write: Int32) = (-1, -1)
/// The running command, which a stop signal is passed on to (0 when none).
nonisolated(unsafe) private var runningChild: pid_t = 0

/// `kvfs watch`: one long-lived descriptor per file, polled for `POLLPRI` (the mount's change signal), and a
/// fresh open to read the content when it fires. Only a digest of each file's content is kept.
final class ContentWatch {
    private struct Watched {
        let path: String
        /// Open for the whole watch: the mount reports changes of the object on it.
        let fd: Int32
        /// SHA-256 of the last content read, `nil` while unreadable.
        var digest: [UInt8]?
    }

    private var files: [Watched] = []
    private let command: String
    private let debounce: Double

    /// Opens every file and reads its content.
    /// - Throws: `InputError` for a path that is not a readable file on a kvfs mount.
    init(paths: [String], command: String, debounce: Double) throws {
        self.command = command
        self.debounce = debounce
        for path in paths {
            try ContentWatch.requireOnMount(path)
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw InputError("Cannot open \(path): \(String(cString: strerror(errno))).") }
            files.append(Watched(path: path, fd: fd, digest: nil))
        }
        for index in files.indices { files[index].digest = try? ContentWatch.digest(of: files[index].path) }
    }

    deinit { for file in files { close(file.fd) } }

    /// Refuses a path that is not a regular file on a kvfs mount: anywhere else `POLLPRI` never comes.
    static func requireOnMount(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw InputError("Cannot watch \(path): \(String(cString: strerror(errno))).") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw InputError("Cannot watch \(path): not a file.") }
        let target = MountTable.canonicalPath(path)
        let mount = MountTable.mounts().filter { target == $0.mountpoint || target.hasPrefix($0.mountpoint == "/" ? "/" : $0.mountpoint + "/") }
            .max { $0.mountpoint.count < $1.mountpoint.count }
        guard mount?.fileSystemType == "fuse.kvfs" else {
            throw InputError("Cannot watch \(path): it is not on a kvfs mount (kvfs watch waits for the mount's change signal).")
        }
    }

    /// SHA-256 of the file's content, read through a fresh open (an open file keeps the version it opened).
    static func digest(of path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(String(cString: strerror(errno))) }
        defer { close(fd) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw InputError(String(cString: strerror(errno))) }
            if count == 0 { break }
            content += chunk[0..<count]
        }
        defer {
            content.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
            chunk.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
        }
        return try SHA256Digest.hash(content)
    }

    /// Watches until a stop signal; returns normally then.
    /// - Throws: `ExitCode(1)` when a watched file's mount goes away (said on stderr).
    func run() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw InputError("pipe failed: \(String(cString: strerror(errno))).") }
        stopPipe = (ends[0], ends[1])
        defer { close(ends[0]); close(ends[1]) }
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber) { number in
                if runningChild > 0 { kill(runningChild, number) }
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(stopPipe.write, &byte, 1)
            }
            sigaddset(&stopSignals, signalNumber)
        }
        // Whatever mask this process inherited (a supervisor may block them), the stop signals reach it.
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        FileHandle.standardError.write(Data("kvfs watch: watching \(files.count) file\(files.count == 1 ? "" : "s")\n".utf8))
        var pending = Set<Int>()
        var deadline: Date?
        while true {
            var fds = files.map { pollfd(fd: $0.fd, events: Int16(POLLPRI), revents: 0) }
            fds.append(pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0))
            let timeout = deadline.map { Int32(max(0, ($0.timeIntervalSinceNow * 1000).rounded(.up))) } ?? -1
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                throw InputError("poll failed: \(String(cString: strerror(errno))).")
            }
            if fds.last!.revents != 0 { return }
            for index in files.indices {
                let events = Int32(fds[index].revents)
                if events & Int32(POLLERR | POLLHUP | POLLNVAL) != 0 {
                    Output.error("The mount under \(files[index].path) went away; stopping.")
                    throw ExitCode(ExitCodes.failure)
                }
                if events & Int32(POLLPRI) != 0 {
                    pending.insert(index)
                    if deadline == nil { deadline = Date().addingTimeInterval(debounce) }
                }
            }
            if let due = deadline, due.timeIntervalSinceNow <= 0 {
                let changed = pending.sorted().filter(contentChanged)
                pending.removeAll()
                deadline = nil
                if !changed.isEmpty, try runCommand(for: changed.map { files[$0].path }) { return }
            }
        }
    }

    /// Reads the file afresh; whether its content differs from the last content read.
    private func contentChanged(_ index: Int) -> Bool {
        do {
            let digest = try ContentWatch.digest(of: files[index].path)
            defer { files[index].digest = digest }
            return files[index].digest.map { !constantTimeEquals($0, digest) } ?? true
        } catch {
            FileHandle.standardError.write(Data("kvfs watch: \(files[index].path) is not readable now (\(error)); waiting for its next change\n".utf8))
            return false
        }
    }

    /// Runs the command for `paths`, waits for it; true when a stop signal came meanwhile.
    private func runCommand(for paths: [String]) throws -> Bool {
        var environment = ProcessInfo.processInfo.environment
        environment["KVFS_WATCH_PATH"] = paths[0]
        environment["KVFS_WATCH_PATHS"] = paths.joined(separator: "\n")
        let argv = ["/bin/sh", "-c", command]
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        // The command starts with no signal blocked and default dispositions, whatever the watch inherited.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/bin/sh", nil, &attributes, cArgs, cEnv)
        guard spawned == 0 else {
            FileHandle.standardError.write(Data("kvfs watch: cannot run the command: \(String(cString: strerror(spawned)))\n".utf8))
            return false
        }
        runningChild = child
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0, errno == EINTR {}
        runningChild = 0
        var probe = pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0)
        return poll(&probe, 1, 0) > 0
    }
}
