// kvfs's libFuzzer binary: one executable for every target, the target named by KVFS_FUZZ_TARGET.
// Built and run by scripts/fuzz.sh; the targets are the entry points the tests replay the corpora through.
import Foundation
import VaultEngine
import VaultFS

/// Every target, the engine's and the mount's.
let allTargets = EngineFuzzEntryPoints.targets.merging(FileSystemFuzzEntryPoints.targets) { first, _ in first }

/// The target this process runs and the store it runs on, set up once before the first input.
nonisolated(unsafe) var chosen: (@Sendable (FuzzWorld, [UInt8]) throws -> Void)?
nonisolated(unsafe) var world: FuzzWorld?


@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["KVFS_FUZZ_TARGET"] ?? ""
    if name == "--list" {
        print(allTargets.keys.sorted().joined(separator: "\n"))
        exit(0)
    }
    guard let target = allTargets[name] else {
        FileHandle.standardError.write(Data("KVFS_FUZZ_TARGET must be one of: \(allTargets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    do {
        world = try FuzzWorld.shared()
    } catch {
        FileHandle.standardError.write(Data("cannot make the fuzzing store: \(error)\n".utf8))
        exit(2)
    }
    chosen = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let chosen, let world else { return 0 }
    do {
        try chosen(world, Array(UnsafeBufferPointer(start: data, count: size)))
    } catch {
        FileHandle.standardError.write(Data("kvfs answered without a clear error: \(error)\n".utf8))
        abort()
    }
    return 0
}
