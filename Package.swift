// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "gradcheck",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "gradcheck", targets: ["gradcheck"]),
    .library(name: "EigenCore", targets: ["EigenCore"]),
    .library(name: "GradCheckCore", targets: ["GradCheckCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // MARK: - C module (the only C in the package)
    .systemLibrary(
      name: "CGSL", path: "Sources/CGSL", pkgConfig: "gsl",
      providers: [.apt(["libgsl-dev"])]),

    // MARK: - Maths (no I/O, no argument parsing)
    /// Native dense linear algebra: matrices, seeded RNG, eigen solver, SVD,
    /// generated matrix families.
    .target(name: "EigenCore"),
    /// GSL-backed reference solver; the only importer of CGSL.
    .target(name: "GSLReference", dependencies: ["CGSL", "EigenCore"]),
    /// Plain value types shared by the engine, the I/O and the renderers.
    .target(name: "GradcheckModel"),
    /// The process's interrupt (SIGINT/SIGTERM): a flag and a wake descriptor for any thread.
    .target(name: "ProcessControl"),
    /// Spectral quantities s(Y), ds/dY, and the transforms T(x, s; beta).
    .target(name: "Spectral", dependencies: ["EigenCore", "GradcheckModel"]),
    /// Finite-difference engine, checks, classification, case runner, selftest.
    .target(
      name: "GradCheckCore",
      dependencies: ["EigenCore", "GSLReference", "Spectral", "GradcheckModel"]),

    // MARK: - I/O and rendering
    /// Strict JSON, fixture files, results files, atomic writes.
    .target(name: "GradcheckIO", dependencies: ["GradcheckModel"]),
    /// Pure functions from results to Markdown, HTML and JUnit XML.
    .target(name: "Reporting", dependencies: ["GradcheckModel"]),

    // MARK: - Executable
    .executableTarget(
      name: "gradcheck",
      dependencies: [
        "EigenCore", "GSLReference", "Spectral", "GradCheckCore", "GradcheckModel",
        "GradcheckIO", "Reporting", "ProcessControl",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // MARK: - Tests
    .testTarget(name: "EigenCoreTests", dependencies: ["EigenCore", "GSLReference"]),
    .testTarget(name: "GSLReferenceTests", dependencies: ["GSLReference", "EigenCore"]),
    .testTarget(
      name: "SpectralTests", dependencies: ["Spectral", "EigenCore", "GradcheckModel"],
      exclude: ["reference_transforms.py"]),
    .testTarget(
      name: "GradCheckCoreTests",
      dependencies: ["GradCheckCore", "EigenCore", "Spectral", "GradcheckModel", "GSLReference"]),
    .testTarget(name: "GradcheckIOTests", dependencies: ["GradcheckIO", "GradcheckModel"]),
    .testTarget(name: "ReportingTests", dependencies: ["Reporting", "GradcheckModel", "GradcheckIO"], exclude: ["Golden"]),
    .testTarget(name: "ProcessControlTests", dependencies: ["ProcessControl", "InterruptProbe"]),
    /// The child process of ProcessControlTests.
    .executableTarget(name: "InterruptProbe", dependencies: ["ProcessControl"], path: "Tests/InterruptProbe"),
    .testTarget(name: "CLITests", dependencies: ["GradcheckModel", "GradcheckIO"]),
  ]
)
