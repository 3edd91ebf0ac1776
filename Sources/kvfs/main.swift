import ArgumentParser
import Foundation
import Logging
import VaultEngine
import VaultFS

/// The CLI's logger: warnings and errors on stderr; never secret values (the engine never logs them).
enum CLILog {
    static let logger: Logger = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["KVFS_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
            return handler
        }
        return Logger(label: "kvfs")
    }()
}

umask(0o077)
do {
    var command = try KVFS.parseAsRoot()
    try command.run()
} catch let error as VaultError {
    Output.error(error.message)
    exit(ExitCodes.code(for: error))
} catch let error as FuseMountError {
    Output.error(error.message)
    exit(ExitCodes.code(for: error))
} catch let error as InputError {
    Output.error(error.description)
    exit(ExitCodes.invalidInput)
} catch {
    KVFS.exit(withError: error)
}
