import ArgumentParser
import Foundation
import VaultEngine
import VaultFS

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read, verify and prune the audit log (the store's owner; a Key Vault Audit Reader reads and verifies through a mount).",
        subcommands: [List.self, Verify.self, Prune.self, Checkpoint.self, CheckpointKey.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print audit lines (JSON lines, one per line: an export; with -o, one document in that format), oldest first.",
            discussion: """
            The store's owner reads the store; anyone else holding the role "Key Vault Audit Reader" reads through \
            a mount with --mount (at the store scope /: every line; at a vault scope: that vault's lines). --since \
            and --until take ISO 8601 times with a zone (2026-11-01T00:00:00Z, 2026-11-01T09:00+01:00); a bare day \
            or a time without a zone is refused (exit 5).
            Examples:
              kvfs audit list --vault app1 --since 2026-11-01T00:00:00Z --until 2026-11-02T00:00:00Z
              kvfs audit list --mount /run/kvfs --principal web --result Failure --until 2026-12-01T00:00:00Z > failures.jsonl
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var mountOption: MountOption
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "Only lines about this vault.") var vault: String?
        @Option(name: .long, help: "Only lines of this principal (the one whose assignment allowed the request).") var principal: String?
        @Option(name: .long, help: "Only lines of this operation (Azure's operationName: SecretGet, RoleAssignmentCreate, ...).") var operation: String?
        @Option(name: .long, help: "Only Success or only Failure lines.") var result: String?
        @Option(name: .long, help: "Only lines of callers identified as this workload: a systemd unit, container id, pod UID, pod namespace or service account, or executable path.") var workload: String?
        @Option(name: .long, help: "Only lines at or after this ISO 8601 time (with a zone).") var since: String?
        @Option(name: .long, help: "Only lines at or before this ISO 8601 time (with a zone).") var until: String?

        func validate() throws {
            if let result, !["success", "failure"].contains(result.lowercased()) {
                throw ValidationError("--result must be Success or Failure.")
            }
        }

        func run() throws {
            let filter = AuditFilter(vault: vault, principal: principal, operation: operation, result: result, workload: workload,
                                     since: try since.map { try DateRules.parse($0, field: "--since") },
                                     until: try until.map { try DateRules.parse($0, field: "--until") })
            let lines: [String]
            if let mount = mountOption.mount {
                let request = ManagementControlWire.AuditRequest(op: "list", filter: filter)
                let answer = try MountedControl.send(request, to: ".audit", in: mount)
                lines = String(decoding: answer, as: UTF8.self).split(separator: "\n").map(String.init)
            } else {
                lines = try storeOptions.open().audit.records(matching: filter, as: .currentProcess())
            }
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
            A pruned log (`kvfs audit prune`) is verified from the signed checkpoint made at the cut, and the pruned \
            range is reported. A Key Vault Audit Reader verifies through a mount with --mount; one assigned at a vault \
            scope learns whether the whole chain holds and how many of its vault's lines there are, nothing else.
            Exits 0 when the log is intact, 6 (store error) when it is not.
            Examples:
              kvfs audit verify --checkpoint /var/log/kvfs-checkpoints --public-key /etc/kvfs/checkpoint.pem
              kvfs audit verify --mount /run/kvfs
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var mountOption: MountOption
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "A file of audit checkpoints (repeatable).") var checkpoint: [String] = []
        @Option(name: .long, help: "The pinned checkpoint public key (a PEM file).") var publicKey: String?
        @Flag(name: .long, help: "With --checkpoint, walk every line, not only those after the newest checkpoint.") var full = false

        func validate() throws {
            if publicKey != nil && checkpoint.isEmpty { throw ValidationError("--public-key needs --checkpoint.") }
            if full && checkpoint.isEmpty { throw ValidationError("--full needs --checkpoint (without it every line is walked anyway).") }
            if mountOption.mount != nil && !checkpoint.isEmpty {
                throw ValidationError("--checkpoint needs the store (the owner's check); through --mount the mount verifies its own chain.")
            }
        }

        func run() throws {
            if let mount = mountOption.mount {
                let result = try MountedControl.request(ManagementControlWire.AuditRequest(op: "verify"), to: ".audit", in: mount, answer: ManagementControlWire.AuditVerification.self)
                let pruned = result.pruned.map { AuditPruning(throughLine: $0.throughLine, before: $0.before) }
                return try report(intact: result.intact, lines: result.lines, firstLine: result.firstLine, problem: result.problem,
                                  pruned: pruned, vaults: result.vaults)
            }
            let engine = try storeOptions.open()
            guard !checkpoint.isEmpty else {
                let result = try engine.audit.verify(as: .currentProcess())
                return try report(intact: result.isIntact, lines: result.lines, firstLine: result.firstLine, problem: result.problem,
                                  pruned: result.pruned.map { ($0.throughLine, $0.before) }, vaults: result.vaults)
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
            let prunedNote = result.pruned.map { "; lines 1-\($0.throughLine) (older than \($0.before)) were pruned behind a signed checkpoint" } ?? ""
            format.report("The audit log is intact: \(result.lines) lines\(prunedNote), \(checkpoints.count) checkpoints (newest at line \(newest)) hold, \(walked) lines walked\(full ? "" : " after the newest checkpoint") in \(String(format: "%.2f", elapsed)) s\(pinned == nil ? "; no --public-key: checked against this store's own key" : "").",
                          .object(["intact": .bool(true), "lines": .int(result.lines), "checkpoints": .int(Int64(checkpoints.count)),
                                   "newestCheckpoint": .int(newest), "linesWalked": .int(walked), "pinnedKey": .bool(pinned != nil),
                                   "prunedThrough": result.pruned.map { .int($0.throughLine) } ?? .null]))
        }

        private typealias AuditPruning = (throughLine: Int64, before: String)

        /// Reports a verification without checkpoints: the sentence (or object), or the failure.
        private func report(intact: Bool, lines: Int64, firstLine: Int64, problem: String?, pruned: AuditPruning?, vaults: [String]?) throws {
            let whose = vaults.map { " of vault\($0.count == 1 ? "" : "s") \($0.joined(separator: ", "))" } ?? ""
            guard intact else {
                throw VaultError(.corrupted, vaults == nil ? "The audit log is not intact after \(lines) good lines: \(problem ?? "unknown problem")."
                                                           : "The audit log is not intact: \(problem ?? "unknown problem").")
            }
            let walked = lines - firstLine + 1
            let prunedNote = pruned.map { "; lines 1-\($0.throughLine) (older than \($0.before)) were pruned behind a signed checkpoint, which holds" } ?? ""
            let sentence = vaults == nil ? "The audit log is intact: \(walked) lines verified (lines \(firstLine)-\(lines))\(prunedNote)."
                                         : "The audit log is intact: the whole chain holds; it has \(lines) lines\(whose)\(prunedNote)."
            format.report(sentence, .object([
                "intact": .bool(true), "lines": .int(lines), "firstLine": .int(firstLine),
                "prunedThrough": pruned.map { .int($0.throughLine) } ?? .null, "prunedBefore": pruned.map { .string($0.before) } ?? .null,
                "vaults": vaults.map { .array($0.map { .string($0) }) } ?? .null,
            ]))
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove audit lines older than a date, behind a signed checkpoint of the chain at the cut (the store's owner only).",
            discussion: """
            First a checkpoint of the last line older than --before is signed with the store's checkpoint key and \
            kept in the store; then the lines up to it are removed, in one transaction, and the prune is itself \
            audited. `kvfs audit verify` afterwards starts from that checkpoint and reports the pruned range, so the \
            chain stays verifiable. The newest line is always kept. The checkpoint is printed (or appended to \
            --checkpoint-file) so that it can also be kept outside the store; export the lines first \
            (`kvfs audit list --until DATE > old.jsonl`) if they must be kept.
            Example: kvfs audit list --until 2026-06-01T00:00:00Z > 2026-h1.jsonl && kvfs audit prune --before 2026-06-01T00:00:00Z
            """)
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "Remove the lines older than this ISO 8601 time (with a zone).") var before: String
        @Option(name: .long, help: "Also append the checkpoint made at the cut to this file (created 0600).") var checkpointFile: String?

        func run() throws {
            let cut = try DateRules.parse(before, field: "--before")
            guard let pruned = try storeOptions.open().audit.prune(before: cut, as: .currentProcess()) else {
                return format.report("No audit line is older than \(before); nothing was pruned.",
                                     .object(["prunedThrough": .null, "before": .string(before)]))
            }
            if let checkpointFile { try AuditCommand.append(pruned.checkpoint.line, to: checkpointFile) }
            format.report("Lines 1-\(pruned.throughLine) (older than \(pruned.before)) are pruned behind this signed checkpoint:\n\(pruned.checkpoint.line)",
                          .object(["prunedThrough": .int(pruned.throughLine), "before": .string(pruned.before),
                                   "checkpoint": .string(pruned.checkpoint.line)]))
        }
    }

    /// Appends one line to `file` (created 0600) and syncs it.
    static func append(_ line: String, to file: String) throws {
        let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VaultError(.storeFailure, "Cannot open '\(file)': \(String(cString: strerror(errno))).") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data((line + "\n").utf8))
        fsync(fd)
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
            try AuditCommand.append(checkpoint.line, to: file)
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
