import Foundation
import Testing
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `kvfs vault backup|restore --dir` through the built binary: a backup killed midway leaves nothing under its
/// final name, and a restore of what it left (or of a truncated backup) changes nothing and exits 5.
@Suite(.serialized) struct VaultBackupDirectoryCLI {
    final class Store {
        let directory: String
        var path: String { directory + "/store" }
        let engine: VaultEngine
        let owner = Caller.currentProcess()

        init(secrets: Int) throws {
            var template = Array("/tmp/kvfs-backup-cli-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw VaultTestError("mkdtemp failed: errno \(errno)") }
            directory = String(cString: made)
            engine = try VaultEngine.initialize(at: StoreLocation.resolve(directory: directory + "/store", masterKeyFile: nil))
            try engine.vaults.create(named: "app", as: owner)
            try engine.vaults.create(named: "copy", as: owner)
            try engine.access.createPrincipal(named: "me", kind: .user, unixID: 0, as: owner)
            for vault in ["app", "copy"] {
                try engine.access.assign(principal: "me", role: .administrator, scope: try Scope(parsing: "/vaults/\(vault)"), as: owner)
            }
            for i in 0..<secrets {
                try engine.secrets.set(vault: "app", name: "s\(i)", value: Array("value-\(i)".utf8), as: owner)
            }
            try engine.flushAudit()
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func kvfs(_ arguments: [String]) throws -> VaultProcess.Outcome {
            try VaultProcess.run([VaultMountFixture.kvfsPath] + arguments + ["--store", path])
        }

        func restored() throws -> Int { try engine.objects(.secret).list(vault: "copy", as: owner).count }
    }

    static func entries(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }

    @Test func aBackupKilledMidwayLeavesNothingFinalAndItsLeftoversDoNotRestore() throws {
        let store = try Store(secrets: 800)
        var killedMidway = false
        for attempt in 0..<6 where !killedMidway {
            let name = "backup-\(attempt)"
            let target = store.directory + "/" + name
            let process = Process()
            process.executableURL = URL(fileURLWithPath: VaultMountFixture.kvfsPath)
            process.arguments = ["vault", "backup", "--vault", "app", "--dir", target, "--store", store.path]
            process.environment = VaultProcess.childEnvironment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var partial: String?
            while process.isRunning {
                if let leftover = Self.entries(store.directory).first(where: { $0.hasPrefix("." + name + ".partial-") }),
                   !Self.entries(store.directory + "/" + leftover + "/secrets").isEmpty {
                    kill(process.processIdentifier, SIGKILL)
                    partial = store.directory + "/" + leftover
                    break
                }
                usleep(100)
            }
            process.waitUntilExit()
            guard let partial, process.terminationReason == .uncaughtSignal else {
                // Finished before the kill landed: then it is complete under its final name. Try again.
                #expect(FileManager.default.fileExists(atPath: target + "/manifest.json"))
                continue
            }
            killedMidway = true
            #expect(!FileManager.default.fileExists(atPath: target), "a killed backup appeared under its final name")
            let written = Self.entries(partial + "/secrets").count
            #expect(written > 0 && written < 800 || !FileManager.default.fileExists(atPath: partial + "/manifest.json"))

            let restore = try store.kvfs(["vault", "restore", "--vault", "copy", "--dir", partial])
            #expect(restore.status == 5, "\(restore)")
            #expect(restore.stderr.contains("no manifest.json") && restore.stderr.contains("Nothing was restored"), "\(restore)")
            #expect(try store.restored() == 0)
        }
        #expect(killedMidway, "no attempt was killed while writing")
    }

    @Test func truncatedAlteredAndManifestlessBackupsChangeNothing() throws {
        let store = try Store(secrets: 20)
        let backup = store.directory + "/backup"
        let made = try store.kvfs(["vault", "backup", "--vault", "app", "--dir", backup])
        #expect(made.succeeded, "\(made)")
        #expect(made.stderr.contains("Backed up 20 objects"), "\(made)")

        func refused(_ what: String, _ expect: String, damage: (String) throws -> Void) throws {
            let copy = store.directory + "/damaged-\(UUID().uuidString.prefix(8))"
            try FileManager.default.copyItem(atPath: backup, toPath: copy)
            try damage(copy)
            let out = try store.kvfs(["vault", "restore", "--vault", "copy", "--dir", copy])
            #expect(out.status == 5, "\(what): \(out)")
            #expect(out.stderr.hasPrefix("kvfs: ") && out.stderr.contains(expect), "\(what): \(out)")
            #expect(try store.restored() == 0, "\(what) restored something")
        }
        try refused("truncated", "is missing") { try FileManager.default.removeItem(atPath: $0 + "/secrets/s7.blob") }
        try refused("altered", "was changed") { path in
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/secrets/s3.blob")))
            bytes[bytes.count - 1] ^= 0x80
            try Data(bytes).write(to: URL(fileURLWithPath: path + "/secrets/s3.blob"))
        }
        try refused("manifest-less", "no manifest.json") { try FileManager.default.removeItem(atPath: $0 + "/manifest.json") }
        try refused("extra blob", "does not list") { try FileManager.default.copyItem(atPath: $0 + "/secrets/s1.blob", toPath: $0 + "/secrets/x.blob") }

        let ok = try store.kvfs(["vault", "restore", "--vault", "copy", "--dir", backup])
        #expect(ok.succeeded, "\(ok)")
        #expect(try store.restored() == 20)
    }
}
