import ArgumentParser
import VaultEngine

/// kvfs's documented exit codes (docs/cli.md). Usage errors keep ArgumentParser's 64.
enum ExitCodes {
    static let failure: Int32 = 1
    static let notFound: Int32 = 2
    static let accessDenied: Int32 = 3
    static let conflict: Int32 = 4
    static let invalidInput: Int32 = 5
    static let storeError: Int32 = 6
    static let forbidden: Int32 = 7

    static func code(for error: VaultError) -> Int32 {
        switch error.code {
        case .notFound: notFound
        case .accessDenied: accessDenied
        case .conflict, .deletedButRecoverable, .storeExists: conflict
        case .invalidArgument, .tooLarge: invalidInput
        case .storeMissing, .wrongMasterKey, .corrupted, .storeFailure: storeError
        case .forbidden, .purgeProtected: forbidden
        default: failure
        }
    }
}

/// Bad input found by a command itself (not by the engine), reported with the invalid-input exit code.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
