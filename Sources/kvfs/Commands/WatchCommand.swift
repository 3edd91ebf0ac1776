import ArgumentParser
import Foundation
import VaultFS

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run a command each time the content of a file on a kvfs mount changes (rotation).",
        discussion: """
        Each PATH is a file on a kvfs mount (a secret, a key's public.pem or key.jwk, a certificate's files). \
        kvfs watch opens each one and waits in poll(2) for POLLPRI, which the mount raises for every change to \
        the object behind an open file, whoever made it (the mount itself, `kvfs secret set` in another \
        process, a REST server). It never polls the store or the file. After the first change it waits the \
        debounce window, reads the changed files afresh, and runs CMD once with /bin/sh -c when the content of \
        at least one of them differs from the last it saw: a touch, a metadata change (setfattr, \
        `kvfs secret set-attributes`), or a new version with the same value runs nothing. CMD gets \
        KVFS_WATCH_PATH (the first changed file) and KVFS_WATCH_PATHS (all of them, one per line). Changes \
        during CMD are handled after it exits. SIGTERM, SIGINT and SIGHUP end the watch cleanly (a running \
        CMD gets the signal and is waited for) with exit code 0.

        A file that becomes unreadable (deleted, disabled, access revoked) is reported on stderr and runs \
        nothing; its next readable content is compared with the last content read.

        Examples:
          kvfs watch /run/kvfs/app/secrets/db-password --exec 'systemctl reload app'
          kvfs watch /run/kvfs/web/certificates/tls/cert.pem /run/kvfs/web/secrets/tls --debounce 2 --exec 'nginx -s reload'
        """)

    @Argument(help: "Files on a kvfs mount to watch.") var paths: [String]
    @Option(name: .long, help: ArgumentHelp("Run this with /bin/sh -c after each real change of content.", valueName: "command"))
    var exec: String
    @Option(name: .long, help: ArgumentHelp("Seconds to wait after a first change for more, then run once (0 to 3600).", valueName: "seconds"))
    var debounce: Double = 1.0

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("Name at least one file to watch.") }
        guard debounce >= 0, debounce <= 3600 else { throw ValidationError("--debounce must be 0 to 3600 seconds.") }
        guard !exec.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--exec needs a command.") }
    }

    func run() throws {
        let watch = try ContentWatch(paths: paths, command: exec, debounce: debounce)
        try watch.run()
    }
}
