// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "kvfs",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kvfs", targets: ["kvfs"]),
        .library(name: "VaultEngine", targets: ["VaultEngine"]),
        .library(name: "VaultFS", targets: ["VaultFS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CFuse", pkgConfig: "fuse3",
                       providers: [.apt(["libfuse3-dev"])]),
        .target(
            name: "VaultEngine",
            dependencies: [
                "COpenSSL", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "VaultFS",
            dependencies: [
                "VaultEngine", "CFuse",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "kvfs",
            dependencies: [
                "VaultEngine", "VaultFS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "kvfs-bench",
            dependencies: ["VaultEngine"],
            path: "bench/EngineBench"),
        .testTarget(name: "VaultEngineTests", dependencies: ["VaultEngine"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "FSIntegrationTests", dependencies: ["VaultEngine", "VaultFS"],
                    exclude: ["CLI/Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
