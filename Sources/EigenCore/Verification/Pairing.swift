// Optimal pairing of two spectra: the lexicographic bottleneck assignment.

/// Pairs two spectra of equal length: returns `p` with `a[i]` paired to `b[p[i]]`.
///
/// **Criterion.** Let `d(i, j) = |a[i] - b[j]|` and, for a permutation `p`, let
/// `D(p)` be the multiset `{d(i, p[i])}` sorted in decreasing order. The result
/// minimizes `D(p)` lexicographically:
/// 1. the largest distance (the bottleneck) is as small as possible;
/// 2. then the number of pairs at that distance is as small as possible;
/// 3. then the next largest distance, its count, and so on down to the smallest.
///
/// This is the "minimize the maximum, then the rest" refinement carried out
/// exactly. A min-sum second stage was considered and rejected: a floating-point
/// sum cannot separate `1e284 + 1` from `1e284 + 2`, so one large error would let
/// the small eigenvalues be paired arbitrarily, whereas every step here only
/// *compares* distances and so is exact at every scale. (The two criteria agree
/// on the bottleneck; below it, this one never trades a larger individual error
/// for a smaller total.)
///
/// **Ties.** Among permutations with the same `D(p)` the lexicographically
/// smallest `p` is returned (smallest `p[0]`, then smallest `p[1]`, ...), so the
/// result is fully determined by the distances: identical inputs give the
/// identity.
///
/// **Distances.** `|z|` is `Complex.magnitude` (scaled, so `1e-300` and `1e300`
/// are compared without overflow or underflow). If some difference of two finite
/// values overflows (`|a - b| > Double.greatestFiniteMagnitude`), every distance
/// is computed as `|a/2 - b/2|` instead (one scale for all, so the order is kept).
/// A NaN distance counts as `+infinity`.
///
/// **Algorithm** (exact for any `n`; `O(n^3)` per refinement stage). Each stage
/// finds the smallest threshold `t` still needed, by binary search over the
/// distinct distances with a bipartite perfect-matching test (Kuhn's augmenting
/// paths), then minimizes the number of pairs at distance `t` with the Hungarian
/// algorithm on 0/1 costs (integers, so exact) and keeps only the edges that are
/// tight under the optimal dual potentials: by complementary slackness those are
/// exactly the edges of the optimal assignments. The remaining graph is split
/// into independent blocks (strongly connected components of the alternating
/// graph of a perfect matching; an edge between blocks lies in no perfect
/// matching), and each block is refined on its own. Separated eigenvalues fall
/// into blocks of one after the first stage, so only clusters cost more; the
/// worst case (one cluster of `n` whose refinement needs `n` stages) is `O(n^4)`.
///
/// - Precondition: `a.count == b.count`.
public func optimalPairing(_ a: [Complex], _ b: [Complex]) -> [Int] {
  precondition(a.count == b.count, "optimalPairing: \(a.count) values against \(b.count)")
  let n = a.count
  if n <= 1 { return Array(0..<n) }
  var problem = LexBottleneckAssignment(n: n, distances: PairingDistances.matrix(a, b))
  return problem.solve()
}

/// Distances used by `optimalPairing`, exposed inside the module for the spectrum check.
enum PairingDistances {
  /// `|x - y|`, with NaN mapped to `+infinity`; `halved` computes `|x/2 - y/2|`.
  static func distance(_ x: Complex, _ y: Complex, halved: Bool) -> Double {
    let diff = halved ? (0.5 * x - 0.5 * y) : (x - y)
    if diff.re.isNaN || diff.im.isNaN { return .infinity }
    let m = diff.magnitude
    return m.isNaN ? .infinity : m
  }

  /// Row-major `n x n` matrix of `|a[i] - b[j]|` (see `optimalPairing` for the scaling rule).
  static func matrix(_ a: [Complex], _ b: [Complex]) -> [Double] {
    let n = a.count
    var d = [Double](repeating: 0, count: n * n)
    var overflowed = false
    for i in 0..<n {
      for j in 0..<n {
        let x = distance(a[i], b[j], halved: false)
        if x == .infinity && a[i].isFinite && b[j].isFinite { overflowed = true }
        d[i * n + j] = x
      }
    }
    if overflowed {
      for i in 0..<n { for j in 0..<n { d[i * n + j] = distance(a[i], b[j], halved: true) } }
    }
    return d
  }
}

/// The exact lexicographic bottleneck assignment on a dense distance matrix.
struct LexBottleneckAssignment {
  /// A set of rows and as many columns whose perfect matchings (within `allowed`)
  /// are independent of every other block. Rows and columns are ascending.
  struct Block {
    var rows: [Int]
    var cols: [Int]
    /// The smallest distance level already fixed (`nil` before the first stage).
    /// Every allowed edge of the block has `d >= lastLevel` (an already-fixed level,
    /// whose count is the same in every remaining matching) or `d < lastLevel`.
    var lastLevel: Double?
  }

  let n: Int
  let d: [Double]
  /// Edges still usable by an optimal assignment (row-major `n x n`).
  var allowed: [Bool]
  /// A current perfect matching: `rowMatch[i]` is the column of row `i`; within
  /// every block it is a perfect matching of the block's allowed edges.
  var rowMatch: [Int]

  init(n: Int, distances: [Double]) {
    precondition(distances.count == n * n)
    self.n = n
    self.d = distances
    self.allowed = [Bool](repeating: true, count: n * n)
    self.rowMatch = Array(0..<n)
  }

  mutating func solve() -> [Int] {
    var work = [Block(rows: Array(0..<n), cols: Array(0..<n), lastLevel: nil)]
    var finished: [Block] = []
    // Every pop either finishes a block or splits it into at least two, so at most 2n pops.
    var pops = 0
    while let block = work.popLast() {
      pops += 1
      precondition(pops <= 2 * n + 1, "optimalPairing: block bound exceeded")
      switch refine(block) {
      case .done(let b): finished.append(b)
      case .split(let parts): work.append(contentsOf: parts.reversed())
      }
    }
    for block in finished { chooseLexSmallest(block) }
    return rowMatch
  }

  enum RefineOutcome {
    case done(Block)
    case split([Block])
  }

  /// Runs refinement stages on one block until it is settled or splits.
  mutating func refine(_ start: Block) -> RefineOutcome {
    var block = start
    let m = block.rows.count
    // Each stage fixes at least one more edge of every remaining matching.
    for _ in 0...(m + 1) {
      if m == 1 {
        rowMatch[block.rows[0]] = block.cols[0]
        return .done(block)
      }
      var candidates: [Double] = []
      for r in block.rows {
        for c in block.cols where allowed[r * n + c] {
          let x = d[r * n + c]
          if let last = block.lastLevel, !(x < last) { continue }
          candidates.append(x)
        }
      }
      if candidates.isEmpty { return .done(block) }
      candidates.sort()
      var distinct: [Double] = []
      distinct.reserveCapacity(candidates.count)
      for x in candidates where distinct.last != x { distinct.append(x) }

      // Smallest threshold that still admits a perfect matching (the largest always does).
      var lo = 0
      var hi = distinct.count - 1
      while lo < hi {
        let mid = (lo + hi) / 2
        if hasPerfectMatching(block, threshold: distinct[mid]) { hi = mid } else { lo = mid + 1 }
      }
      let t = distinct[lo]

      // Minimize the number of edges at level t; keep only the tight edges.
      let forbidden = m + 1
      var cost = [Int](repeating: forbidden, count: m * m)
      for (li, r) in block.rows.enumerated() {
        for (lj, c) in block.cols.enumerated() where allowed[r * n + c] {
          let x = d[r * n + c]
          if x == t {
            cost[li * m + lj] = 1
          } else if x < t || (block.lastLevel.map { x >= $0 } ?? false) {
            cost[li * m + lj] = 0
          }
        }
      }
      let solution = HungarianAssignment.solve(cost: cost, size: m)
      precondition(solution.total <= m, "optimalPairing: optimal stage assignment used a forbidden edge")
      for (li, r) in block.rows.enumerated() {
        for (lj, c) in block.cols.enumerated() {
          let k = li * m + lj
          allowed[r * n + c] =
            allowed[r * n + c] && cost[k] != forbidden
            && cost[k] - solution.rowPotential[li] - solution.colPotential[lj] == 0
        }
        rowMatch[r] = block.cols[solution.colOfRow[li]]
      }
      block.lastLevel = t
      let parts = decompose(block)
      if parts.count > 1 { return .split(parts) }
      block = parts[0]
    }
    preconditionFailure("optimalPairing: stage bound exceeded")
  }

  /// Whether the block has a perfect matching using allowed edges with `d <= t`
  /// or `d >= lastLevel`. Kuhn's algorithm, warm-started from `rowMatch`.
  func hasPerfectMatching(_ block: Block, threshold t: Double) -> Bool {
    let m = block.rows.count
    var adjacency = [[Int]](repeating: [], count: m)
    for (li, r) in block.rows.enumerated() {
      for (lj, c) in block.cols.enumerated() where allowed[r * n + c] {
        let x = d[r * n + c]
        if x <= t || (block.lastLevel.map { x >= $0 } ?? false) { adjacency[li].append(lj) }
      }
    }
    var local = BipartiteMatching(adjacency: adjacency, size: m)
    var colLocal: [Int: Int] = [:]
    for (lj, c) in block.cols.enumerated() { colLocal[c] = lj }
    for (li, r) in block.rows.enumerated() {
      if let lj = colLocal[rowMatch[r]], adjacency[li].contains(lj) { local.match(row: li, col: lj) }
    }
    for li in 0..<m where local.colOfRow[li] < 0 {
      var seen = [Bool](repeating: false, count: m)
      if !local.augment(from: li, seen: &seen, locked: nil) { return false }
    }
    return true
  }

  /// Splits a block (whose `rowMatch` is a perfect matching of its allowed edges)
  /// into the strongly connected components of the alternating graph, removing the
  /// edges between components (they lie in no perfect matching).
  mutating func decompose(_ block: Block) -> [Block] {
    let m = block.rows.count
    var colLocal: [Int: Int] = [:]
    for (lj, c) in block.cols.enumerated() { colLocal[c] = lj }
    var rowOfCol = [Int](repeating: -1, count: m)
    for (li, r) in block.rows.enumerated() {
      guard let lj = colLocal[rowMatch[r]] else { preconditionFailure("optimalPairing: matching leaves its block") }
      rowOfCol[lj] = li
    }
    // Arc li -> rowOfCol[lj] for every allowed non-matching edge (li, lj).
    var successors = [[Int]](repeating: [], count: m)
    for (li, r) in block.rows.enumerated() {
      for (lj, c) in block.cols.enumerated() where allowed[r * n + c] && c != rowMatch[r] {
        successors[li].append(rowOfCol[lj])
      }
    }
    let component = StronglyConnected.components(successors)
    let count = (component.max() ?? -1) + 1
    if count == 1 { return [block] }
    for (li, r) in block.rows.enumerated() {
      for (lj, c) in block.cols.enumerated() where component[li] != component[rowOfCol[lj]] {
        allowed[r * n + c] = false
      }
    }
    var parts = [Block](repeating: Block(rows: [], cols: [], lastLevel: block.lastLevel), count: count)
    for (li, r) in block.rows.enumerated() {
      parts[component[li]].rows.append(r)
      parts[component[li]].cols.append(rowMatch[r])
    }
    for k in 0..<count { parts[k].cols.sort() }
    parts.sort { $0.rows[0] < $1.rows[0] }
    return parts
  }

  /// Replaces the block's matching by its lexicographically smallest perfect
  /// matching within the allowed edges (rows ascending, each taking the smallest
  /// column that still leaves a perfect matching for the rows after it).
  mutating func chooseLexSmallest(_ block: Block) {
    let m = block.rows.count
    if m == 1 {
      rowMatch[block.rows[0]] = block.cols[0]
      return
    }
    var adjacency = [[Int]](repeating: [], count: m)
    var colLocal: [Int: Int] = [:]
    for (lj, c) in block.cols.enumerated() { colLocal[c] = lj }
    for (li, r) in block.rows.enumerated() {
      for (lj, c) in block.cols.enumerated() where allowed[r * n + c] { adjacency[li].append(lj) }
    }
    var matching = BipartiteMatching(adjacency: adjacency, size: m)
    for (li, r) in block.rows.enumerated() {
      guard let lj = colLocal[rowMatch[r]] else { preconditionFailure("optimalPairing: matching leaves its block") }
      matching.match(row: li, col: lj)
    }
    var locked = [Bool](repeating: false, count: m)
    for li in 0..<m {
      for lj in adjacency[li] {
        let current = matching.colOfRow[li]
        if lj == current { break }
        let displaced = matching.rowOfCol[lj]
        if locked[displaced] { continue }
        // Give lj to li; the displaced row must reach the freed column by an alternating path.
        let saved = matching
        matching.colOfRow[displaced] = -1
        matching.rowOfCol[current] = -1
        matching.match(row: li, col: lj)
        locked[li] = true
        var seen = [Bool](repeating: false, count: m)
        seen[lj] = true
        if matching.augment(from: displaced, seen: &seen, locked: locked) { break }
        locked[li] = false
        matching = saved
      }
      locked[li] = true
    }
    for (li, r) in block.rows.enumerated() { rowMatch[r] = block.cols[matching.colOfRow[li]] }
  }
}

/// A bipartite matching on `size` rows and columns with Kuhn's augmenting paths.
struct BipartiteMatching {
  let adjacency: [[Int]]
  var colOfRow: [Int]
  var rowOfCol: [Int]

  init(adjacency: [[Int]], size: Int) {
    self.adjacency = adjacency
    colOfRow = [Int](repeating: -1, count: size)
    rowOfCol = [Int](repeating: -1, count: size)
  }

  mutating func match(row: Int, col: Int) {
    colOfRow[row] = col
    rowOfCol[col] = row
  }

  /// Finds an augmenting path from the unmatched `row`, never re-routing a row
  /// marked in `locked`. Recursion depth is at most the number of columns (each
  /// level marks a new column as seen).
  mutating func augment(from row: Int, seen: inout [Bool], locked: [Bool]?) -> Bool {
    for c in adjacency[row] where !seen[c] {
      let other = rowOfCol[c]
      if other >= 0, let locked, locked[other] { continue }
      seen[c] = true
      if other < 0 || augment(from: other, seen: &seen, locked: locked) {
        match(row: row, col: c)
        return true
      }
    }
    return false
  }
}

/// The Hungarian algorithm (Kuhn-Munkres with potentials, `O(m^3)`) on an integer
/// cost matrix, so that the optimum and the potentials are exact.
enum HungarianAssignment {
  struct Solution {
    var colOfRow: [Int]
    var total: Int
    /// Dual potentials with `cost[i][j] - rowPotential[i] - colPotential[j] >= 0`
    /// for every edge, `= 0` on the returned assignment.
    var rowPotential: [Int]
    var colPotential: [Int]
  }

  /// Minimizes `sum_i cost[i * size + p[i]]` over permutations `p`.
  static func solve(cost: [Int], size m: Int) -> Solution {
    precondition(cost.count == m * m)
    let infinity = Int.max / 4
    // 1-based arrays; index 0 is the virtual column/row of the classical formulation.
    var u = [Int](repeating: 0, count: m + 1)
    var v = [Int](repeating: 0, count: m + 1)
    var rowOfCol = [Int](repeating: 0, count: m + 1)
    var way = [Int](repeating: 0, count: m + 1)
    for i in 1...m {
      rowOfCol[0] = i
      var j0 = 0
      var minv = [Int](repeating: infinity, count: m + 1)
      var used = [Bool](repeating: false, count: m + 1)
      var steps = 0
      repeat {
        steps += 1
        precondition(steps <= m + 1, "Hungarian: search bound exceeded")
        used[j0] = true
        let i0 = rowOfCol[j0]
        var delta = infinity
        var j1 = 0
        for j in 1...m where !used[j] {
          let cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j]
          if cur < minv[j] {
            minv[j] = cur
            way[j] = j0
          }
          if minv[j] < delta {
            delta = minv[j]
            j1 = j
          }
        }
        for j in 0...m {
          if used[j] {
            u[rowOfCol[j]] += delta
            v[j] -= delta
          } else {
            minv[j] -= delta
          }
        }
        j0 = j1
      } while rowOfCol[j0] != 0
      var back = 0
      repeat {
        back += 1
        precondition(back <= m + 1, "Hungarian: path bound exceeded")
        let j1 = way[j0]
        rowOfCol[j0] = rowOfCol[j1]
        j0 = j1
      } while j0 != 0
    }
    var colOfRow = [Int](repeating: -1, count: m)
    var total = 0
    for j in 1...m {
      colOfRow[rowOfCol[j] - 1] = j - 1
      total += cost[(rowOfCol[j] - 1) * m + (j - 1)]
    }
    return Solution(colOfRow: colOfRow, total: total, rowPotential: Array(u[1...]), colPotential: Array(v[1...]))
  }
}

/// Tarjan's strongly connected components, iterative (explicit stack).
enum StronglyConnected {
  /// Component number of every vertex of the graph given by successor lists.
  static func components(_ successors: [[Int]]) -> [Int] {
    let count = successors.count
    var index = [Int](repeating: -1, count: count)
    var low = [Int](repeating: 0, count: count)
    var onStack = [Bool](repeating: false, count: count)
    var stack: [Int] = []
    var component = [Int](repeating: -1, count: count)
    var nextIndex = 0
    var nextComponent = 0
    for root in 0..<count where index[root] < 0 {
      var frames: [(vertex: Int, edge: Int)] = [(root, 0)]
      index[root] = nextIndex
      low[root] = nextIndex
      nextIndex += 1
      stack.append(root)
      onStack[root] = true
      while let frame = frames.last {
        let v = frame.vertex
        if frame.edge < successors[v].count {
          frames[frames.count - 1].edge += 1
          let w = successors[v][frame.edge]
          if index[w] < 0 {
            index[w] = nextIndex
            low[w] = nextIndex
            nextIndex += 1
            stack.append(w)
            onStack[w] = true
            frames.append((w, 0))
          } else if onStack[w] {
            low[v] = min(low[v], index[w])
          }
        } else {
          frames.removeLast()
          if let parent = frames.last { low[parent.vertex] = min(low[parent.vertex], low[v]) }
          if low[v] == index[v] {
            while let w = stack.popLast() {
              onStack[w] = false
              component[w] = nextComponent
              if w == v { break }
            }
            nextComponent += 1
          }
        }
      }
    }
    return component
  }
}
