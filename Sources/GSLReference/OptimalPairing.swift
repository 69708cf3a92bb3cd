import EigenCore

extension GSLReference {
  /// The pairing of two equally long lists of complex numbers with the least total distance.
  ///
  /// Returns `perm` with `perm[i]` the index in `b` paired with `a[i]`, a permutation that
  /// minimises `sum_i |a[i] - b[perm[i]]|` over all permutations. This is the linear assignment
  /// problem, solved exactly by the Hungarian method with potentials (Kuhn 1955, Munkres 1957;
  /// the O(n^3) shortest-augmenting-path form), so it is exact for every n (256 takes a few ms),
  /// not a greedy nearest match. Ties are broken deterministically (lowest index first).
  ///
  /// Used to give each eigenvalue of A its left eigenvector from the run on Aᵀ, and usable to
  /// compare the native solver's eigenvalues with GSL's.
  ///
  /// - Precondition: `a.count == b.count`, and every value is finite.
  public static func optimalPairing(_ a: [Complex], _ b: [Complex]) -> [Int] {
    precondition(a.count == b.count, "optimalPairing needs lists of equal length")
    let n = a.count
    if n == 0 { return [] }
    // cost[i][j] = |a_i - b_j|, rows = a (1-based in the algorithm), columns = b.
    var cost = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n { cost[i * n + j] = (a[i] - b[j]).magnitude }
    }
    precondition(cost.allSatisfy { $0.isFinite }, "optimalPairing needs finite values")

    // Potentials u (rows) and v (columns); p[j] = row matched to column j (0 = none);
    // way[j] = previous column on the augmenting path. Index 0 is a virtual column.
    var u = [Double](repeating: 0, count: n + 1)
    var v = [Double](repeating: 0, count: n + 1)
    var p = [Int](repeating: 0, count: n + 1)
    var way = [Int](repeating: 0, count: n + 1)
    var minv = [Double](repeating: 0, count: n + 1)
    var used = [Bool](repeating: false, count: n + 1)

    for i in 1...n {
      p[0] = i
      var j0 = 0
      for k in 0...n {
        minv[k] = .infinity
        used[k] = false
      }
      // Each pass marks one more column as used, so at most n + 1 passes find a free column.
      for _ in 0...n {
        used[j0] = true
        let i0 = p[j0]
        var delta = Double.infinity
        var j1 = 0
        for j in 1...n where !used[j] {
          let cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j]
          if cur < minv[j] {
            minv[j] = cur
            way[j] = j0
          }
          if minv[j] < delta {
            delta = minv[j]
            j1 = j
          }
        }
        precondition(j1 != 0, "assignment found no free column (non-finite cost)")
        for j in 0...n {
          if used[j] {
            u[p[j]] += delta
            v[j] -= delta
          } else {
            minv[j] -= delta
          }
        }
        j0 = j1
        if p[j0] == 0 { break }
      }
      precondition(p[j0] == 0, "assignment did not find an augmenting path")
      // Augment along the path back to the virtual column (at most n + 1 steps).
      for _ in 0...n {
        let j1 = way[j0]
        p[j0] = p[j1]
        j0 = j1
        if j0 == 0 { break }
      }
    }

    var perm = [Int](repeating: -1, count: n)
    for j in 1...n { perm[p[j] - 1] = j - 1 }
    return perm
  }
}
