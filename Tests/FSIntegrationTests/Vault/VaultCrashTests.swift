import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// A daemon that crashes ends at once and takes no secret with it: core dumps are enabled for it (an
    /// unlimited RLIMIT_CORE and a core_pattern into a temporary directory, put back afterwards), and after
    /// it served a secret and used an imported private key it is sent SIGSEGV or SIGABRT. Within a second it
    /// is gone, the mount is gone or answers ENOTCONN, no core file holds the secret or the key, and its log
    /// holds neither (nor the runtime's dump of memory at the registers).
    ///
    /// `.serialized`: `/proc/sys/kernel/core_pattern` is global, so the tests take turns and keep it short.
    @Suite(.serialized) struct Crash {
        static let vault = "crashing"

        @Test(arguments: [SIGSEGV, SIGABRT])
        func aCrashEndsTheDaemonWithinASecondAndDumpsNothing(signal: Int32) throws {
            let secret = MemoryScan.unique("crash-secret")
            var setup = TestCaller.setup([.init(name: Self.vault)], secrets: [(Self.vault, "s", secret)])
            setup.launcher = ["/usr/bin/prlimit", "--core=unlimited"]
            try CorePattern.redirected { cores in
                try VaultMountFixture.with(setup) { mount in
                    let daemon = try #require(mount.daemon)
                    let admin = TestCaller.administrator
                    #expect(try mount.probe(admin, .read("\(Self.vault)/secrets/s")).text == secret)
                    let key = try ImportedKey.generate(in: mount.directory)
                    _ = try mount.createKey(admin, vault: Self.vault, ["op": "import", "name": "k", "pem": key.pem])
                    let signed = try mount.keyOp(admin, "\(Self.vault)/keys/k/ops",
                                                 KeyJSON.request("sign", "ES256", value: [UInt8](repeating: 1, count: 32)))
                    #expect(signed.answered && signed.errorCode == nil, "\(signed)")

                    mount.daemonEndsByItself = true
                    kill(daemon.pid, signal)
                    let status = daemon.waitForExit(timeout: 1)
                    #expect(status != nil, "signal \(signal): the daemon still runs a second later\n\(mount.daemonLog.suffix(3000))")
                    if status == nil { daemon.stop(with: SIGKILL) }
                    // It exited through kvfs's handler (128 + the signal), not killed by the signal with a dump.
                    #expect(status.map { $0 & 0x7f == 0 ? ($0 >> 8) & 0xff : -1 } == 128 + signal, "wait status \(String(describing: status))")
                    var info = stat()
                    let statted = stat(mount.mountpoint, &info)
                    let statErrno = errno
                    #expect(!mount.isMounted || (statted != 0 && statErrno == ENOTCONN),
                            "the mount is still there and answers \(statted == 0 ? "stat" : String(cString: strerror(statErrno)))")

                    let needles: [(String, [UInt8])] = [
                        ("the secret", Array(secret.utf8)), ("the key's DER", key.der), ("the key's private scalar", key.scalar),
                        ("the key's private scalar (little-endian)", key.scalar.reversed()),
                    ] + key.pemLines.map { ("a line of the key's PEM", Array($0.utf8)) }
                    for core in cores.files() {
                        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: core))) ?? Data()
                        for (name, needle) in needles {
                            #expect(bytes.range(of: Data(needle)) == nil, "\(core) (\(bytes.count) bytes) holds \(name)")
                        }
                    }
                    let log = mount.daemonLog
                    for (name, needle) in needles {
                        #expect(!log.contains(String(decoding: needle, as: UTF8.self)), "the daemon's log holds \(name)")
                    }
                    #expect(!log.contains("Registers"), "the daemon's log dumps registers:\n\(log.suffix(3000))")
                    #expect(log.contains("fatal signal"), "the daemon's log does not say why it ended:\n\(log.suffix(3000))")
                }
            }
        }
    }
}

/// The kernel's core_pattern pointed into a temporary directory for the duration of a body, and put back
/// afterwards whatever the body does.
enum CorePattern {
    static let path = "/proc/sys/kernel/core_pattern"

    struct Directory {
        let path: String
        /// The core files written so far.
        func files() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 }
        }
    }

    static func redirected<T>(_ body: (Directory) throws -> T) throws -> T {
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        var template = Array("/tmp/kvfs-cores-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
        let directory = String(cString: made)
        defer {
            try? saved.write(toFile: path, atomically: false, encoding: .utf8)
            try? FileManager.default.removeItem(atPath: directory)
        }
        try (directory + "/core.%p").write(toFile: path, atomically: false, encoding: .utf8)
        return try body(Directory(path: directory))
    }
}
