// swift-tools-version: 6.1
// The side-by-side eigen solver benchmark: native EigenSolver vs GSL vs LAPACKE dgeev.
// A separate package so that the product never links LAPACK; run it with `make bench`.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which differs between clones
/// (main, a worktree, CI's checkout): derive it from where this manifest lives.
let rootPackage = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
  name: "gradcheck-bench",
  dependencies: [
    // The root package (its EigenCore and GradCheckCore library products).
    .package(path: ".."),
  ],
  targets: [
    /// GSL's C API, called directly so that workspaces are allocated once per N and reused.
    .systemLibrary(name: "CGSLBench", path: "Sources/CGSLBench"),
    /// LAPACKE (`liblapacke-dev`); `dgeev` runs on whatever liblapack.so.3 the system selects
    /// (OpenBLAS when `libopenblas0-pthread` is installed, as `make bench` does).
    .systemLibrary(name: "CLapacke", path: "Sources/CLapacke"),
    /// A counting malloc interposer (malloc, calloc, realloc, memalign family).
    .target(name: "AllocCounter"),
    .executableTarget(
      name: "EigenBench",
      dependencies: [
        .product(name: "EigenCore", package: rootPackage),
        // For the cost of one full gradient check (CheckEngine, SpectralEvaluator).
        .product(name: "GradCheckCore", package: rootPackage),
        "CGSLBench", "CLapacke", "AllocCounter",
      ]),
  ]
)
