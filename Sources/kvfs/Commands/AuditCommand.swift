import ArgumentParser
import Foundation
import VaultEngine

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify the audit log (the store's owner only).",
        subcommands: [List.self, Verify.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print audit lines (JSON, one per line; with -o, one document in that format), oldest first.",
            discussion: "Example: kvfs audit list --vault app1 --since 2026-11-01")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions
        @Option(name: .long, help: "Only lines about this vault.") var vault: String?
        @Option(name: .long, help: "Only lines at or after this ISO 8601 time or date.") var since: String?

        func run() throws {
            var sinceDate: Date?
            if let since {
                guard let date = Dates.parse(since) else { throw InputError("--since '\(since)' is not an ISO 8601 date or time.") }
                sinceDate = date
            }
            let lines = try storeOptions.open().audit.records(vault: vault, since: sinceDate, as: .currentProcess())
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
            abstract: "Check that no audit line was edited, removed or reordered.",
            discussion: "Exits 0 when the chain is intact, 6 (store error) when it is not.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var format: OutputOptions

        func run() throws {
            let result = try storeOptions.open().audit.verify(as: .currentProcess())
            if let problem = result.problem {
                throw VaultError(.corrupted, "The audit log is not intact after \(result.lines) good lines: \(problem).")
            }
            format.report("The audit log is intact: \(result.lines) lines verified.", .object(["intact": .bool(true), "lines": .int(result.lines)]))
        }
    }
}
