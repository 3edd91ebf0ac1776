import ArgumentParser
import Foundation
import VaultEngine

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify the audit log (the store's owner only).",
        subcommands: [List.self, Verify.self, Checkpoint.self, CheckpointKey.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print audit lines (JSON, one per line; with -o, one document in that format), oldest first.",
            discussion: """
            --since and --until take ISO 8601 times with a zone (2026-11-01T00:00:00Z, 2026-11-01T09:00+01:00); \
            a bare day or a time without a zone is refused (exit 5).
            Example: kvfs audit list --vault app1 --since 2026-11-01T00:00:00Z --until 2026-11-02T00:00:00Z
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "Only lines about this vault.") var vault: String?
        @Option(name: .long, help: "Only lines at or after this ISO 8601 time (with a zone).") var since: String?
        @Option(name: .long, help: "Only lines at or before this ISO 8601 time (with a zone).") var until: String?

        func run() throws {
            let sinceDate = try since.map { try DateRules.parse($0, field: "--since") }
            let untilDate = try until.map { try DateRules.parse($0, field: "--until") }
            let lines = try storeOptions.open().audit.records(vault: vault, since: sinceDate, until: untilDate, as: .currentProcess())
            guard format.isExplicit else {
                // JSON lines, one record per line (a log's own format), unless a format is asked for.
                for line in lines { Output.line(line) }
                return
            }
            format.print(.array(try lines.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no audit line was edited, removed or reordered — and, against kept checkpoints, rewritten or rolled back.",
            discussion: """
            Without --checkpoint, every line's MAC and the store's sealed end are checked: that detects edits by \
            anyone who lacks the master key. With --checkpoint FILE (checkpoints a mount wrote with \
            --audit-checkpoints, `kvfs audit checkpoint`, or journald output holding them), the log must still \
            reach every checkpoint's line with that line's MAC, which also detects a store rolled back to an older \
            copy, a log truncated with an older sealed end put back, an emptied log, and a chain recomputed with \
            the master key. Pin the key with --public-key (the PEM `kvfs audit checkpoint-key` printed when the \
            store was new). With checkpoints, only the lines after the newest one are walked (incremental); --full \
            walks every line.
            Exits 0 when the log is intact, 6 (store error) when it is not.
            Example: kvfs audit verify --checkpoint /var/log/kvfs-checkpoints --public-key /etc/kvfs/checkpoint.pem
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "A file of audit checkpoints (repeatable).") var checkpoint: [String] = []
        @Option(name: .long, help: "The pinned checkpoint public key (a PEM file).") var publicKey: String?
        @Flag(name: .long, help: "With --checkpoint, walk every line, not only those after the newest checkpoint.") var full = false

        func validate() throws {
            if publicKey != nil && checkpoint.isEmpty { throw ValidationError("--public-key needs --checkpoint.") }
            if full && checkpoint.isEmpty { throw ValidationError("--full needs --checkpoint (without it every line is walked anyway).") }
        }

        func run() throws {
            let engine = try storeOptions.open()
            guard !checkpoint.isEmpty else {
                let result = try engine.audit.verify(as: .currentProcess())
                if let problem = result.problem {
                    throw VaultError(.corrupted, "The audit log is not intact after \(result.lines) good lines: \(problem).")
                }
                format.report("The audit log is intact: \(result.lines) lines verified.", .object(["intact": .bool(true), "lines": .int(result.lines)]))
                return
            }
            var checkpoints: [AuditCheckpoint] = []
            for file in checkpoint {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw InputError("Cannot read the checkpoint file '\(file)'.") }
                checkpoints += try AuditCheckpoint.parse(text)
            }
            guard !checkpoints.isEmpty else { throw InputError("\(checkpoint.joined(separator: ", ")) holds no kvfs audit checkpoint.") }
            var pinned: Ed25519PublicKey?
            if let publicKey {
                guard let pem = try? String(contentsOfFile: publicKey, encoding: .utf8), let key = try? Ed25519PublicKey(pem: pem) else {
                    throw InputError("'\(publicKey)' is not an Ed25519 public key PEM (the output of `kvfs audit checkpoint-key`).")
                }
                pinned = key
            }
            let started = Date()
            let result = try engine.audit.verify(against: checkpoints, publicKey: pinned, full: full, as: .currentProcess())
            if let problem = result.problem {
                throw VaultError(.corrupted, "The audit log is not intact: \(problem).")
            }
            let walked = result.lines - result.firstLine + 1
            let newest = checkpoints.map(\.seq).max() ?? 0
            let elapsed = Date().timeIntervalSince(started)
            format.report("The audit log is intact: \(result.lines) lines, \(checkpoints.count) checkpoints (newest at line \(newest)) hold, \(walked) lines walked\(full ? "" : " after the newest checkpoint") in \(String(format: "%.2f", elapsed)) s\(pinned == nil ? "; no --public-key: checked against this store's own key" : "").",
                          .object(["intact": .bool(true), "lines": .int(result.lines), "checkpoints": .int(Int64(checkpoints.count)),
                                   "newestCheckpoint": .int(newest), "linesWalked": .int(walked), "pinnedKey": .bool(pinned != nil)]))
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a checkpoint of the audit log's end now and print it (or append it to a file).",
            discussion: """
            A checkpoint is one JSON line: the store's realm, the number of lines, the last line's MAC and the time, \
            signed with the store's checkpoint key. Keep it where the store's owner cannot rewrite it (another host, \
            a write-once log); `kvfs audit verify --checkpoint` then detects any later rewrite of what it covers. \
            A mount emits them itself with --audit-checkpoints.
            Example: kvfs audit checkpoint | ssh audit@loghost 'cat >> kvfs-checkpoints'
            """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "Append the checkpoint to this file (created 0600) instead of printing it.") var file: String?

        func run() throws {
            let checkpoint = try storeOptions.open().audit.checkpoint(as: .currentProcess())
            guard let file else { return Output.line(checkpoint.line) }
            let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw VaultError(.storeFailure, "Cannot open '\(file)': \(String(cString: strerror(errno))).") }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            try handle.write(contentsOf: Data((checkpoint.line + "\n").utf8))
            fsync(fd)
        }
    }

    struct CheckpointKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint-key",
            abstract: "Print the public key (PEM) that signs this store's audit checkpoints, for the auditor to pin.",
            discussion: """
            Save it outside the store when the store is new and give it to `kvfs audit verify --public-key`. It \
            derives from the master key, so a store replaced by another one shows another key.
            Example: kvfs audit checkpoint-key > /etc/kvfs/checkpoint.pem
            """)
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            let key = try storeOptions.open().audit.checkpointKey(as: .currentProcess())
            FileHandle.standardOutput.write(Data(try key.pem().utf8))
        }
    }
}
