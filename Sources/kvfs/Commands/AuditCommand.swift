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
            abstract: "Print audit lines (JSON, one per line), oldest first.",
            discussion: "Example: kvfs audit list --vault app1 --since 2026-11-01")
        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .long, help: "Only lines about this vault.") var vault: String?
        @Option(name: .long, help: "Only lines at or after this ISO 8601 time or date.") var since: String?

        func run() throws {
            var sinceDate: Date?
            if let since {
                guard let date = Dates.parse(since) else { throw InputError("--since '\(since)' is not an ISO 8601 date or time.") }
                sinceDate = date
            }
            for line in try storeOptions.open().audit.records(vault: vault, since: sinceDate, as: .currentProcess()) {
                Output.line(line)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no audit line was edited, removed or reordered.",
            discussion: "Exits 0 when the chain is intact, 6 (store error) when it is not.")
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            let result = try storeOptions.open().audit.verify(as: .currentProcess())
            if let problem = result.problem {
                throw VaultError(.corrupted, "The audit log is not intact after \(result.lines) good lines: \(problem).")
            }
            Output.line("The audit log is intact: \(result.lines) lines verified.")
        }
    }
}
