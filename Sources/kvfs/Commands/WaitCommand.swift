import ArgumentParser
import Foundation
import VaultEngine
import VaultFS

/// `kvfs wait`: block until a kvfs mount is live, for a container's startup probe or a unit's
/// `ExecStartPost=`, without a sleep loop.
struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a kvfs mount is live at a path (made here or propagated from another mount namespace).",
        discussion: """
            Returns as soon as the mount answers; the kernel wakes the wait on every change of the mount table, \
            so nothing is polled. Exit 0 when live, 2 when nothing is mounted there within --timeout.
            Example: kvfs wait /shared/kvfs --timeout 30
            """)

    @Argument(help: "The mountpoint.") var mountpoint: String
    @Option(name: .long, help: "Give up after this many seconds.") var timeout: Double = 30
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard timeout.isFinite, (0...86_400).contains(timeout) else {
            throw ValidationError("--timeout must be between 0 and 86400 seconds.")
        }
    }

    func run() throws {
        guard MountWait.untilMounted(mountpoint, timeout: .milliseconds(Int64(timeout * 1000))) else {
            throw VaultError(.notFound, "No live kvfs mount at \(mountpoint) after \(timeout) s.")
        }
        format.report("\(mountpoint) is mounted.", .object(["mountpoint": .string(mountpoint), "live": .bool(true)]))
    }
}
