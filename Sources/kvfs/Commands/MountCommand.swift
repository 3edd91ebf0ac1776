import ArgumentParser
import Foundation
import VaultEngine
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount a store: vaults as directories, secrets as files each caller sees by its roles.",
        discussion: """
        By default kvfs detaches and returns once the mount is ready; --foreground keeps it in the \
        foreground (for systemd and tests). SIGINT or SIGTERM unmount cleanly; so does `kvfs unmount`. \
        The mount is open to every user (allow_other) and each request is decided by the caller's \
        principals. Another user than root mounts through the setuid fusermount3, which allows allow_other only \
        with user_allow_other in /etc/fuse.conf; without it the mount is refused (exit 9) with what to change, \
        and --private mounts for the mounting user alone. A dead mount left at MOUNTPOINT by a killed daemon \
        is detached first. Under \
        systemd (Type=notify, $NOTIFY_SOCKET) the foreground process sends READY=1 once the mount answers and \
        STOPPING=1 when it shuts down.
        Examples:
          kvfs mount /run/kvfs
          kvfs mount /run/kvfs --store /var/lib/kvfs --vault app1 --foreground
          kvfs mount ~/kvfs --private          # as an ordinary user, for that user alone
        """)

    @Argument(help: "An empty directory to mount on.") var mountpoint: String
    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "Show only this vault (repeatable).") var vault: [String] = []
    @Flag(name: .long, help: "Stay in the foreground.") var foreground = false
    @Flag(name: .long, help: "Serve only the mounting user (no allow_other; /etc/fuse.conf needs no user_allow_other).")
    var `private` = false
    @Option(name: .customShort("o"), help: "Extra FUSE mount options, comma-separated.") var options: String?
    // `-o` is mount(8)'s options here, so the output format is `--output` only.
    @Option(name: .long, help: ArgumentHelp("Output format: json, jsonc, table, tsv, yaml or none (default: one sentence).", valueName: "format"))
    var output: OutputFormat?
    @Option(name: .long, help: "Write the daemon's log here (background mode).") var logFile: String?
    @Option(name: .long, help: .hidden) var readyFD: Int32?
    @Option(name: .long, help: ArgumentHelp("Also send signed audit checkpoints here: a file to append to, or |COMMAND to pipe them to (they always go to the log).", valueName: "file"))
    var auditCheckpoints: String?
    @Option(name: .long, help: "A checkpoint after at most this many new audit lines.") var auditCheckpointLines: Int64 = 1000
    @Option(name: .long, help: "A checkpoint at most this many seconds after a new audit line.") var auditCheckpointInterval: Int = 60
    @Option(name: .long, help: "Fold identical audit lines of one caller within this many seconds into one line with a count (0: one line per request).")
    var auditWindow: Double = 1
    @Option(name: .long, help: "Control files (.ops, keys/<name>/ops) one uid may have open at once; the next open is EMFILE.")
    var maxControlFiles: Int = ControlFileLimits.standard.openFiles
    @Option(name: .long, help: "Bytes of requests and responses one uid's open control files may hold; a write past it is EAGAIN.")
    var maxControlBytes: Int = ControlFileLimits.standard.pendingBytes
    @Option(name: .long, help: ArgumentHelp("A JSON file of pod UIDs to {namespace, serviceAccount}, kept by a node agent, for workload principals that name them (docs/workloads.md).", valueName: "file"))
    var podMap: String?

    @Option(name: .long, help: ArgumentHelp("Free a parsed private key this many seconds after its last use (0: after each operation).", valueName: "seconds"))
    var keyCacheLifetime: Double = 30

    func validate() throws {
        guard (0...3_600).contains(keyCacheLifetime) else { throw ValidationError("--key-cache-lifetime must be 0 to 3600 seconds.") }
        guard auditCheckpointLines >= 1 else { throw ValidationError("--audit-checkpoint-lines must be at least 1.") }
        guard (1...86_400).contains(auditCheckpointInterval) else { throw ValidationError("--audit-checkpoint-interval must be 1 to 86400 seconds.") }
        guard (0...3_600).contains(auditWindow) else { throw ValidationError("--audit-window must be 0 to 3600 seconds.") }
        guard maxControlFiles >= 1 else { throw ValidationError("--max-control-files must be at least 1.") }
        guard maxControlBytes >= 4096 else { throw ValidationError("--max-control-bytes must be at least 4096.") }
        if let podMap, !FileManager.default.fileExists(atPath: podMap) {
            throw ValidationError("--pod-map '\(podMap)' does not exist: give the file of pod UIDs your node agent writes.")
        }
    }

    func run() throws {
        // Refused here, with what to change, rather than by a daemon: first what the system allows, then the
        // store (a missing store or a wrong key).
        if let refusal = MountCommand.privilegeRefusal(allowOther: !`private`, at: mountpoint) { throw refusal }
        let engine = try storeOptions.open()
        try MountCommand.requireVaults(vault, in: engine)
        if StaleMount.isStale(mountpoint) {
            FileHandle.standardError.write(Data("kvfs: \(mountpoint) holds a dead kvfs mount (\"Transport endpoint is not connected\": its daemon was killed); detaching it before mounting again.\n".utf8))
            try StaleMount.recover(mountpoint)
        }
        var mountOptions = FuseMount.Options()
        mountOptions.allowOther = !`private`
        mountOptions.additionalOptions = options?.split(separator: ",").map(String.init) ?? []
        if foreground || readyFD != nil {
            var checkpointLog = CLILog.logger
            checkpointLog.logLevel = .notice
            let checkpoints = try AuditCheckpointEmitter(engine: engine, sink: auditCheckpoints.map(AuditCheckpointEmitter.Sink.init(parsing:)),
                                                         everyLines: auditCheckpointLines, interval: TimeInterval(auditCheckpointInterval),
                                                         logger: checkpointLog)
            defer { checkpoints.close() }
            engine.audit.aggregationWindow = auditWindow
            engine.housekeeping.keyCacheLifetime = keyCacheLifetime
            try VaultMount.serve(engine: engine, at: mountpoint, vaults: vault.isEmpty ? nil : vault, options: mountOptions,
                                 readiness: readyFD.map(MountReadiness.Notifier.init(fd:)),
                                 controlLimits: ControlFileLimits(openFiles: maxControlFiles, pendingBytes: maxControlBytes),
                                 podMap: podMap.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, systemd: SystemdNotifier.fromEnvironment(), logger: CLILog.logger)
            return
        }
        try daemonize()
    }

    /// Starts `kvfs mount --foreground` detached in its own session and waits for it to report readiness.
    private func daemonize() throws {
        let (readFD, writeFD) = try MountReadiness.makePipe()
        var arguments = [MountCommand.executable(), "mount", mountpoint, "--ready-fd", String(writeFD)]
        if let store = storeOptions.store { arguments += ["--store", store] }
        if let key = storeOptions.masterKeyFile { arguments += ["--master-key-file", key] }
        for v in vault { arguments += ["--vault", v] }
        if `private` { arguments.append("--private") }
        if let options { arguments += ["-o", options] }
        if let auditCheckpoints { arguments += ["--audit-checkpoints", auditCheckpoints] }
        if let podMap { arguments += ["--pod-map", URL(fileURLWithPath: podMap).standardizedFileURL.path] }
        arguments += ["--audit-checkpoint-lines", String(auditCheckpointLines), "--audit-checkpoint-interval", String(auditCheckpointInterval)]
        arguments += ["--audit-window", String(auditWindow), "--max-control-files", String(maxControlFiles),
                      "--max-control-bytes", String(maxControlBytes), "--key-cache-lifetime", String(keyCacheLifetime)]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logFile ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        // The daemon keeps nothing of its parent but the readiness pipe: an inherited descriptor (a caller's pipe
        // or socket) held for the life of the mount would keep whoever waits on it waiting.
        for fd in MountCommand.openDescriptors() where fd > 2 && fd != writeFD {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, MountCommand.spawnSetSID)

        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        close(writeFD)
        guard result == 0 else {
            close(readFD)
            throw VaultError(.storeFailure, "Cannot start the kvfs daemon: \(String(cString: strerror(result))).")
        }
        do {
            try MountReadiness.wait(on: readFD, timeout: .seconds(30), mountpoint: mountpoint)
        } catch {
            throw FuseMountError(error.code, "Mounting at \(mountpoint) failed: \(error.message)", path: mountpoint)
        }
        let sentence = "Mounted \(storeOptions.location.directory) at \(MountTable.canonicalPath(mountpoint)) (daemon pid \(pid)). Unmount with `kvfs unmount \(mountpoint)`."
        guard let output else { return Output.line(sentence) }
        FileHandle.standardOutput.write(Data(OutputRenderer.render(.object([
            "mountpoint": .string(MountTable.canonicalPath(mountpoint)), "store": .string(storeOptions.location.directory),
            "pid": .int(Int(pid)), "vaults": vault.isEmpty ? .null : .array(vault.map { .string($0) }),
        ]), as: output).utf8))
    }

    /// Refuses a `--vault` that names no live vault the mounting user can see, so a typo fails here instead of
    /// mounting an empty tree.
    /// - Throws: `VaultError.vaultNotFound`.
    static func requireVaults(_ names: [String], in engine: VaultEngine) throws {
        guard !names.isEmpty else { return }
        let known = Swift.Set(try engine.vaults.list(as: .currentProcess()).map { Names.key($0.name) })
        for name in names where !known.contains(Names.key(name)) {
            throw VaultError(.vaultNotFound, "--vault \(name.filter { !$0.isNewline && $0 != "\u{1b}" }): no such vault in this store (`kvfs vault list` shows them).")
        }
    }

    /// Why the system would refuse this process's mount (``FuseMount/checkPrivileges(allowOther:)``), naming
    /// `--private` where that is the way out.
    static func privilegeRefusal(allowOther: Bool, at mountpoint: String) -> FuseMountError? {
        do {
            try FuseMount.checkPrivileges(allowOther: allowOther)
            return nil
        } catch {
            let hint = error.code == .allowOtherNotPermitted ? " (kvfs mount --private)" : ""
            return FuseMountError(error.code, error.message + hint, path: mountpoint)
        }
    }

    /// This process's open file descriptors (from /proc/self/fd), taken just before the daemon is spawned.
    static func openDescriptors() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        // Only those still open: the listing's own descriptor is among the names and already closed.
        return names.compactMap(Int32.init).filter { fcntl($0, F_GETFD) != -1 }
    }

    /// glibc's POSIX_SPAWN_SETSID (a GNU extension the Swift importer does not see): the daemon gets its
    /// own session, so the terminal's signals do not reach it.
    static let spawnSetSID: Int16 = 0x80

    static func executable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

struct UnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmount",
        abstract: "Unmount a kvfs mount (also a dead one left by a killed daemon).",
        discussion: "Example: kvfs unmount /run/kvfs")

    @Argument(help: "The mountpoint.") var mountpoint: String
    @Flag(name: .long, help: "Detach even while files are open (lazy unmount).") var lazy = false
    @OptionGroup var format: OutputOptions

    func run() throws {
        switch StaleMount.state(of: mountpoint) {
        case .notMounted:
            throw VaultError(.notFound, "Nothing is mounted at \(mountpoint).")
        case .stale:
            try StaleMount.recover(mountpoint)
            format.report("Detached the dead mount at \(mountpoint).", .object(["mountpoint": .string(mountpoint), "detached": .string("dead mount")]))
        case .mounted:
            try FuseUnmount.unmount(mountpoint, lazy: lazy)
        }
    }
}
