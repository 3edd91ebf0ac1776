import Foundation
import Testing
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

extension VaultMountTests {
    /// `kvfs mount --foreground` stops on SIGTERM, SIGINT and SIGHUP although it inherited them blocked
    /// (``MountDaemon`` starts it so): within a second the mount is gone from the mount table and the
    /// process has exited with status 0.
    @Suite struct Shutdown {
        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: "stopping")], secrets: [("stopping", "s", "still-here")])
        }

        @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
        func aStopSignalUnmountsCleanlyWithinASecond(signal: Int32) throws {
            try VaultMountFixture.with(Shutdown.setup) { mount in
                let daemon = try #require(mount.daemon)
                #expect(try mount.probe(TestCaller.secretsUser, .read("stopping/secrets/s")).text == "still-here")
                let ending = daemon.stop(with: signal, grace: 1)
                #expect(ending.isClean, "signal \(signal): \(ending)\n\(mount.daemonLog.suffix(2000))")
                #expect(ending.seconds <= 1, "signal \(signal): \(ending)")
                #expect(!mount.isMounted, "\(mount.mountpoint) is still in the mount table")
                #expect(MountTable.mount(at: mount.mountpoint) == nil)
            }
        }

        /// A process holding a file open on the mount does not keep the daemon from stopping: the mount
        /// is detached, and the holder's next read fails instead of hanging.
        @Test func aStopSignalEndsTheMountWhileAFileIsOpen() throws {
            try VaultMountFixture.with(Shutdown.setup) { mount in
                let daemon = try #require(mount.daemon)
                let holder = """
                import os, sys
                fd = os.open(sys.argv[1], os.O_RDONLY)
                print(os.read(fd, 100).decode(), flush=True)
                sys.stdin.readline()
                try:
                    os.lseek(fd, 0, 0)
                    print("read", os.read(fd, 100).decode(), flush=True)
                except OSError as e:
                    print("error", e.errno, flush=True)
                """
                let output = mount.directory + "/holder.out"
                FileManager.default.createFile(atPath: output, contents: nil)
                chmod(output, 0o666)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                process.arguments = Array(TestCaller.secretsUser.setprivArguments.dropFirst())
                    + ["/usr/bin/python3", "-c", holder, mount.path("stopping/secrets/s")]
                process.environment = VaultProcess.childEnvironment
                let input = Pipe()
                process.standardInput = input
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
                process.standardError = process.standardOutput
                let exited = DispatchSemaphore(value: 0)
                process.terminationHandler = { _ in exited.signal() }
                try process.run()
                defer {
                    if process.isRunning {
                        kill(process.processIdentifier, SIGKILL)
                        process.waitUntilExit()
                    }
                }
                func holderOutput() -> String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
                // The holder says when it has the file open (a line on its output); wait for that line.
                let opened = Date().addingTimeInterval(10)
                while !holderOutput().contains("still-here") && Date() < opened && process.isRunning { usleep(10_000) }
                try #require(holderOutput().contains("still-here"), "holder: \(holderOutput())")

                let ending = daemon.stop(with: SIGTERM, grace: 1)
                #expect(ending.isClean && ending.seconds <= 1, "\(ending)\n\(mount.daemonLog.suffix(2000))")
                #expect(!mount.isMounted)
                try input.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
                #expect(exited.wait(timeout: .now() + 5) == .success, "the holder hung after the daemon stopped")
                #expect(holderOutput().contains("error"), "holder: \(holderOutput())")
            }
        }
    }
}
