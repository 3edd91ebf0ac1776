import Foundation
import Testing
@testable import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `SecureBytes(protectedCount:fill:)`, where the master key lives: pages of its own, out of core dumps and
/// locked in RAM, unmapped when released.
@Suite struct ProtectedBytesTests {
    /// The smaps entry of the mapping holding `address`: its header line and its VmFlags, or nil.
    static func mapping(holding address: UInt) throws -> (header: String, flags: [String])? {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return nil }
        defer { try? handle.close() }
        let text = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var current: String?
        for line in text.split(separator: "\n") {
            let first = line.split(separator: " ").first.map(String.init) ?? ""
            if first.contains("-"), !first.hasSuffix(":") {
                let bounds = first.split(separator: "-").compactMap { UInt($0, radix: 16) }
                current = bounds.count == 2 && (bounds[0]..<bounds[1]).contains(address) ? String(line) : nil
            } else if let header = current, line.hasPrefix("VmFlags:") {
                return (header, line.split(separator: " ").dropFirst().map(String.init))
            }
        }
        return nil
    }

    @Test func protectedBytesAreOutOfCoreDumpsAndLockedAndUnmappedWhenReleased() throws {
        var bytes: SecureBytes? = SecureBytes(protectedCount: 32) { out in
            for i in 0..<32 { out[i] = UInt8(i + 1) }
        }
        let address = UInt(bitPattern: bytes!.withUnsafeBytes { $0.baseAddress })
        #expect(bytes!.withUnsafeBytes { Array($0) } == (1...32).map(UInt8.init))
        #expect(bytes!.count == 32)
        let entry = try #require(try Self.mapping(holding: address))
        #expect(entry.flags.contains("dd"), "\(entry)")
        // Root may always lock; RLIMIT_MEMLOCK (8 MiB by default) allows one page to anyone.
        #expect(bytes!.isLocked)
        #expect(entry.flags.contains("lo") == bytes!.isLocked, "\(entry)")
        #expect("\(bytes!)" == "SecureBytes(32 bytes, redacted)")
        bytes = nil
        #expect(try Self.mapping(holding: address).map { $0.flags.contains("dd") } != true)
    }

    @Test func theMasterKeyIsLoadedIntoProtectedBytes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-protected-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/master.key"
        let created = try MasterKey.create(at: path, makingParent: true)
        let loaded = try MasterKey.load(from: path)
        #expect(created.withUnsafeBytes { Array($0) } == loaded.withUnsafeBytes { Array($0) })
        for key in [created, loaded] {
            let address = UInt(bitPattern: key.withUnsafeBytes { $0.baseAddress })
            #expect(try Self.mapping(holding: address)?.flags.contains("dd") == true)
        }
        let hex = try String(contentsOfFile: path, encoding: .utf8)
        #expect(hex.count == 65 && hex.hasSuffix("\n"))
        #expect(loaded.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() } + "\n" == hex)
    }
}
