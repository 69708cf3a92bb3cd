// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "gradcheck",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "gradcheck", targets: ["gradcheck"]),
    .library(name: "EigenCore", targets: ["EigenCore"]),
    .library(name: "GradCheckCore", targets: ["GradCheckCore"]),
    .library(name: "FiniteDifferences", targets: ["FiniteDifferences"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
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
    /// The one number formatter family (messages, reports, ids, commands); no dependencies.
    .target(name: "NumberFormat"),
    /// The process's interrupt (SIGINT/SIGTERM): a flag and a wake descriptor for any thread.
    .target(name: "ProcessControl"),
    /// Spectral quantities s(Y), ds/dY, and the transforms T(x, s; beta).
    .target(
      name: "Spectral",
      dependencies: [
        "EigenCore", "GradcheckModel", .product(name: "RealModule", package: "swift-numerics"),
      ]),
    /// Finite differences with Richardson extrapolation and error estimates, the
    /// comparison rule, the Taylor remainder test: a library of its own (no GSL,
    /// eigen solver or CLI; only the number formatter).
    .target(name: "FiniteDifferences", dependencies: ["NumberFormat"]),
    /// Checks, classification, case runner, selftest.
    .target(
      name: "GradCheckCore",
      dependencies: ["EigenCore", "GSLReference", "Spectral", "GradcheckModel", "FiniteDifferences", "NumberFormat"]),
    /// `gradcheck selftest`: deliberately wrong gradient sources the checks must catch.
    .target(name: "GradcheckSelfTest", dependencies: ["GradCheckCore", "EigenCore", "Spectral", "GradcheckModel"]),

    // MARK: - I/O and rendering
    /// Strict JSON, fixture files, results files, atomic writes.
    .target(name: "GradcheckIO", dependencies: ["GradcheckModel"]),
    /// Pure functions from results to Markdown, HTML and JUnit XML.
    .target(name: "Reporting", dependencies: ["GradcheckModel", "NumberFormat"]),
    /// Client of the external evaluator protocol (`gradcheck-exec/1`): the user's program
    /// as a process speaking JSON lines over stdin/stdout.
    .target(name: "ExternalEvaluator", dependencies: ["GradcheckModel"]),
    /// An external program (`--exec`) as a gradient source of the check engine.
    .target(name: "ExecSource", dependencies: ["ExternalEvaluator", "GradCheckCore", "EigenCore", "GradcheckModel", "Spectral"]),

    // MARK: - Executable
    .executableTarget(
      name: "gradcheck",
      dependencies: [
        "EigenCore", "GSLReference", "Spectral", "GradCheckCore", "GradcheckSelfTest", "GradcheckModel",
        "GradcheckIO", "Reporting", "NumberFormat", "ProcessControl", "ExecSource", "ExternalEvaluator",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // MARK: - Examples
    /// The README's library snippets, built and run by a test.
    .executableTarget(
      name: "FDLibraryExample", dependencies: ["FiniteDifferences"], path: "Examples/FDLibraryExample"),
    /// Throughput of the external evaluator protocol with the NumPy example evaluator.
    .executableTarget(name: "exec-bench", dependencies: ["ExternalEvaluator"], path: "Sources/ExecBench"),

    // MARK: - Tests
    .testTarget(name: "EigenCoreTests", dependencies: ["EigenCore", "GSLReference"]),
    .testTarget(name: "GSLReferenceTests", dependencies: ["GSLReference", "EigenCore"]),
    .testTarget(
      name: "SpectralTests", dependencies: ["Spectral", "EigenCore", "GradcheckModel"],
      exclude: ["reference_transforms.py", "reference_transforms_float32.py"]),
    .testTarget(
      name: "GradCheckCoreTests",
      dependencies: [
        "GradCheckCore", "GradcheckSelfTest", "EigenCore", "Spectral", "GradcheckModel", "GSLReference",
        "FiniteDifferences",
      ]),
    .testTarget(name: "FiniteDifferencesTests", dependencies: ["FiniteDifferences", "EigenCore", "NumberFormat"]),
    .testTarget(
      name: "ExternalEvaluatorTests",
      dependencies: ["ExternalEvaluator", "ExecSource", "GradCheckCore", "GradcheckModel", "Spectral", "EigenCore"],
      exclude: ["Evaluators"]),
    .testTarget(name: "GradcheckIOTests", dependencies: ["GradcheckIO", "GradcheckModel", "EigenCore"]),
    .testTarget(name: "ReportingTests", dependencies: ["Reporting", "GradcheckModel", "GradcheckIO"], exclude: ["Golden"]),
    .testTarget(name: "NumberFormatTests", dependencies: ["NumberFormat", "EigenCore"]),
    .testTarget(name: "ProcessControlTests", dependencies: ["ProcessControl", "InterruptProbe"]),
    /// The child process of ProcessControlTests.
    .executableTarget(name: "InterruptProbe", dependencies: ["ProcessControl"], path: "Tests/InterruptProbe"),
    .testTarget(name: "CLITests", dependencies: ["GradcheckModel", "GradcheckIO"]),
  ]
)
