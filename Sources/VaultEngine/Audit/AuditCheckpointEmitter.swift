import Foundation
import Logging
import Synchronization

/// Sends signed checkpoints of the audit log's end out of the store while a long-lived front-end (a mount)
/// runs: one when it starts, then whenever `everyLines` new lines were written or `interval` passed with any new
/// line (checked once a second, so at most one checkpoint a second), and one at a clean shutdown (``close()``).
/// Each goes to the engine's logger (`notice`, label `kvfs.audit-checkpoint`: journald or syslog under
/// systemd) and, when named, appended to a file or written to a command's standard input.
public final class AuditCheckpointEmitter: Sendable {
    /// Where checkpoints go besides the log.
    public enum Sink: Sendable, Equatable {
        /// Append one line per checkpoint to this file (created 0600 when missing).
        case file(String)
        /// Write one line per checkpoint to the standard input of `/bin/sh -c command`.
        case command(String)

        /// `|command` names a command, anything else a file.
        public init(parsing text: String) {
            self = text.hasPrefix("|") ? .command(String(text.dropFirst()).trimmingCharacters(in: .whitespaces)) : .file(text)
        }
    }

    private struct State {
        var last: AuditCheckpoint?
        var lastTime: Date
        var stopped = false
    }

    private let context: EngineContext
    private let everyLines: Int64
    private let interval: TimeInterval
    private let logger: Logger
    /// The sink's descriptor: the file, or our end of the socket pair the command reads as its standard input
    /// (a socket, so a command that exits gives EPIPE instead of killing the daemon with SIGPIPE).
    private let output: Mutex<Int32?>
    private let isSocket: Bool
    private let process: Mutex<Process?>
    private let state: Mutex<State>
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)

    /// Starts emitting for `engine`'s store and emits the first checkpoint now.
    /// - Parameters:
    ///   - everyLines: a checkpoint after at most this many new lines (at least 1).
    ///   - interval: a checkpoint at most this many seconds after a new line (at least 1).
    /// - Throws: `VaultError.storeFailure` when the sink cannot be opened; errors of the first checkpoint.
    public init(engine: VaultEngine, sink: Sink?, everyLines: Int64 = 1000, interval: TimeInterval = 60, logger: Logger) throws {
        context = engine.context
        self.everyLines = max(1, everyLines)
        self.interval = max(1, interval)
        self.logger = logger
        state = Mutex(State(last: nil, lastTime: engine.context.clock.now()))
        switch sink {
        case nil:
            output = Mutex(nil)
            isSocket = false
            process = Mutex(nil)
        case .file(let path)?:
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
            guard fd >= 0 else {
                throw VaultError(.storeFailure, "Cannot open the audit checkpoint file '\(path)': \(String(cString: strerror(errno))).")
            }
            output = Mutex(fd)
            isSocket = false
            process = Mutex(nil)
        case .command(let command)?:
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                throw VaultError(.storeFailure, "Cannot start the audit checkpoint command: \(String(cString: strerror(errno))).")
            }
            shutdown(pair[0], Int32(SHUT_RD))
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/bin/sh")
            child.arguments = ["-c", command]
            child.standardInput = FileHandle(fileDescriptor: pair[1], closeOnDealloc: false)
            do { try child.run() } catch {
                closeDescriptor(pair[0])
                closeDescriptor(pair[1])
                throw VaultError(.storeFailure, "Cannot start the audit checkpoint command '\(command)'.", cause: error)
            }
            closeDescriptor(pair[1])
            output = Mutex(pair[0])
            isSocket = true
            process = Mutex(child)
        }
        try emit(force: true)
        let thread = Thread { [weak self] in
            while let emitter = self, !emitter.stopped.load(ordering: .relaxed) {
                emitter.tick()
                withExtendedLifetime(emitter) {}
                sleep(1)
            }
        }
        thread.name = "kvfs-audit-checkpoints"
        thread.start()
    }

    deinit { close() }

    /// The newest checkpoint sent.
    public var last: AuditCheckpoint? { state.withLock { $0.last } }

    /// Emits the final checkpoint (after writing queued lines) and closes the sink. Safe to call twice.
    public func close() {
        let already = finished.withLock { done -> Bool in
            defer { done = true }
            return done
        }
        guard !already else { return }
        stopped.store(true, ordering: .relaxed)
        do {
            try context.auditQueue.flush()
            try emit(force: true)
        } catch {
            logger.error("could not write the final audit checkpoint", metadata: ["error": "\(error)"])
        }
        output.withLock { fd in
            if let descriptor = fd { closeDescriptor(descriptor) }
            fd = nil
        }
        process.withLock { child in
            child?.waitUntilExit()
            child = nil
        }
    }

    private func tick() {
        do { try emit(force: false) } catch {
            logger.error("could not write an audit checkpoint; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Emits a checkpoint when one is due (or always with `force`).
    private func emit(force: Bool) throws {
        let now = context.clock.now()
        let head = try context.backend.read { tx in try tx.lastAudit() }
        let seq = head?.seq ?? 0
        let due = state.withLock { s -> Bool in
            guard let last = s.last else { return true }
            if force { return true }
            guard seq != last.seq || head?.mac != last.mac else { return false }
            return seq - last.seq >= everyLines || now.timeIntervalSince(s.lastTime) >= interval
        }
        guard due else { return }
        let checkpoint = try context.makeCheckpoint()
        // Counted as sent once it is in the log, even if the sink then fails: the next one is due by the rule
        // again, so a broken sink costs one error line per checkpoint, not one a second.
        let previous = state.withLock { s -> AuditCheckpoint? in
            defer { s.last = checkpoint; s.lastTime = now }
            return s.last
        }
        if let previous, checkpoint.seq < previous.seq || (checkpoint.seq == previous.seq && checkpoint.mac != previous.mac) {
            logger.critical("the audit log went back: it now ends at line \(checkpoint.seq), but a checkpoint of \(previous.time) vouched for line \(previous.seq); the store was rolled back or its log rewritten")
        }
        logger.notice("audit checkpoint \(checkpoint.line)")
        try output.withLock { fd in
            guard let fd else { return }
            let bytes = Array((checkpoint.line + "\n").utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { raw in
                    isSocket ? send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                             : write(fd, raw.baseAddress! + offset, bytes.count - offset)
                }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw VaultError(.storeFailure, "Cannot send an audit checkpoint: \(String(cString: strerror(errno))).")
                }
                offset += written
            }
            if !isSocket { _ = fdatasync(fd) }
        }
    }
}

private func closeDescriptor(_ fd: Int32) { close(fd) }
