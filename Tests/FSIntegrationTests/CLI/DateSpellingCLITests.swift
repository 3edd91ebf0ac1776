import Foundation
import Testing
import VaultEngine

/// Every date the command line takes is read by the engine's one parser: an ISO 8601 time with a zone, nothing
/// before or after it. A refused date exits 5 (invalid input) with one line naming the option, and changes nothing.
@Suite struct CLIDateSpellings {
    static let refused: [(text: String, hint: String)] = [
        ("2027-06-30T12:00", "has no time zone"),
        ("2027-06-30", "has no time and no zone"),
        ("2027-06-30T12:00:00Zgarbage", "after its time zone"),
    ]

    /// Runs kvfs with `arguments` (`@store` is the store) and returns the outcome.
    static func kvfs(_ store: CLIExitCodes.Store, _ arguments: [String], input: String? = nil) throws -> VaultProcess.Outcome {
        try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments.map { $0 == "@store" ? store.path : $0 } + ["--store", store.path],
                             input: input.map { Data($0.utf8) })
    }

    static func expectRefused(_ out: VaultProcess.Outcome, option: String, _ text: String, hint: String) {
        #expect(out.status == 5, "\(option) \(text): \(out)")
        let line = out.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(line.hasPrefix("kvfs: \(option) '\(text)'") && line.contains(hint), "\(option) \(text): \(out.stderr)")
    }

    @Test func secretAndKeyDates() throws {
        let store = try CLIExitCodes.Store()
        for (text, hint) in Self.refused {
            for option in ["--expires", "--not-before"] {
                let set = try Self.kvfs(store, ["secret", "set", "--vault", "app", "--name", "dated", option, text], input: "v")
                Self.expectRefused(set, option: option, text, hint: hint)
                let key = try Self.kvfs(store, ["key", "create", "--vault", "app", "--name", "dated-key", "--kty", "EC", option, text])
                Self.expectRefused(key, option: option, text, hint: hint)
            }
            let update = try Self.kvfs(store, ["secret", "update", "--vault", "app", "--name", "s", "--expires", text])
            Self.expectRefused(update, option: "--expires", text, hint: hint)
        }
        // Nothing was created or changed by the refusals.
        let engine = try VaultEngine(opening: StoreLocation.resolve(directory: store.path, masterKeyFile: nil))
        #expect(try engine.objects(.secret).list(vault: "app", as: .currentProcess()).map(\.name).sorted() == ["off", "s"])
        #expect(try engine.objects(.key).list(vault: "app", as: .currentProcess()).map(\.name) == ["cmk"])
        #expect(try engine.secrets.get(vault: "app", name: "s", as: .currentProcess()).properties.expires == nil)

        // The zoned spellings work and mean the same instant.
        let zoned = try Self.kvfs(store, ["secret", "set", "--vault", "app", "--name", "dated", "--expires", "2027-06-30T14:00+02:00",
                                          "--not-before", "2027-06-30T12:00:00.000Z"], input: "v")
        #expect(zoned.status == 0, "\(zoned)")
        let shown = try engine.secrets.get(vault: "app", name: "dated", as: .currentProcess()).properties
        #expect(shown.expires?.timeIntervalSince1970 == 1_814_356_800)
        #expect(shown.notBefore?.timeIntervalSince1970 == 1_814_356_800)
    }

    @Test func auditWindow() throws {
        let store = try CLIExitCodes.Store()
        for (text, hint) in Self.refused {
            for option in ["--since", "--until"] {
                Self.expectRefused(try Self.kvfs(store, ["audit", "list", option, text]), option: option, text, hint: hint)
            }
        }
        let all = try Self.kvfs(store, ["audit", "list", "--since", "2000-01-01T00:00:00Z", "--until", "2999-01-01T00:00:00+01:00"])
        #expect(all.status == 0 && !all.stdout.isEmpty, "\(all)")
        let none = try Self.kvfs(store, ["audit", "list", "--since", "2000-01-01T00:00:00Z", "--until", "2000-01-02T00:00:00Z"])
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none)")
        let backwards = try Self.kvfs(store, ["audit", "list", "--since", "2000-01-02T00:00:00Z", "--until", "2000-01-01T00:00:00Z"])
        #expect(backwards.status == 5 && backwards.stderr.contains("before its start"), "\(backwards)")
    }
}
