import Testing

@testable import EigenCore

// Regressions of the matrix fuzz target (Fuzz/MatrixFuzz.swift) on matrices whose
// entries span hundreds of orders of magnitude. Each matrix is inline (shortest round-trip
// decimals of the decoded input; the input bytes are in Tests/Fuzz/regressions/). Every
// test applies the fuzz target's property, with LAPACK's threshold 20 never loosened:
// finite eigenvalues with |lambda| <= |A|_1, finite unit-norm eigenvectors, and DGET22
// ratios <= 20 of all right and all left eigenvectors.

/// The fuzz target's property on one matrix; `nil` when it holds, else what failed.
///
/// The ratios are evaluated on `(s A, s W)` with `s = 2^-e` when `max|a_ij| > 2^400`
/// (exactly what the solver factors; the products `A v` would otherwise overflow for
/// entries near the largest double), on `(A, W)` otherwise (DGET22's own convention).
func wideRangeViolation(_ a: Matrix) -> String? {
  var solver = EigenSolver()
  do throws(EigenError) {
    try solver.factor(a, vectors: true)
    let w = solver.eigenvalues
    let norm1 = a.norm1
    if norm1.isFinite, let bad = w.first(where: { !$0.isFinite || $0.magnitude > norm1 * (1 + 0x1p-40) }) {
      return "eigenvalue \(bad) not finite or above |A|_1 = \(norm1)"
    }
    var rights: [[Complex]] = [], lefts: [[Complex]] = []
    for i in 0..<a.n {
      let p = try solver.eigenpair(i)
      guard p.right.allSatisfy(\.isFinite), p.left.allSatisfy(\.isFinite) else { return "pair \(i): non-finite vector" }
      rights.append(p.right)
      lefts.append(p.left)
    }
    let t = LAPACKTest.threshold
    let norm = normalizationRatio(vectors: rights + lefts)
    if !(norm <= t) { return "normalization ratio \(norm)" }
    let m = a.maxAbs
    let s = m > 0x1p400 ? Double(sign: .plus, exponent: -Int(m.exponent), significand: 1) : 1
    let r = rightResidualRatio(a: s * a, eigenvalues: w.map { s * $0 }, vectors: rights)
    let l = leftResidualRatio(a: s * a, eigenvalues: w.map { s * $0 }, vectors: lefts)
    return r <= t && l <= t ? nil : "DGET22 ratios right \(r), left \(l)"
  } catch {
    return "\(error)"
  }
}

@Suite("Fuzz regressions: matrices of very wide range")
struct FuzzRegressionWideRangeTests {
  @Test("finding 7: a 3 x 3 from 1e-312 to 1e90: balancing by 2^764 lost the coupling; now 2^191 and checked")
  func deflatedCoupling() throws {
    // Tests/Fuzz/regressions/matrix-deflated-coupling-3x3.bin. Near |A| the matrix is
    // [[0, 0, -M], [0, 0, 0], [0, -M, -M]]: a double eigenvalue 0 with right vector e_0,
    // left vector e_1 (defective at the scale ulp |A|). Balanced as given (|A| = 2^302),
    // DGEBAL's bounds (relative to safmin / ulp, not to |A|) let D span 2^764: |b_10| and
    // |b_21| ~ 1e-82 were deflated (negligible in B) and the second eigenvalue 0 got the
    // vector e_1, residual |A e_1| = M (ratio 2.25e15). Unbalanced, a pivot 4.85e-299
    // below smin ~ 2e72 was scaled by smin / 4.85e-299 = inf: NaN vectors. Factored at
    // max|a_ij| in [1, 2), D spans 2^191, the amplification check runs and passes, and
    // the pivot underflows to an exact 0 (replaced by smin, no overflow).
    let a = Matrix([
      [4.852897904996543e-299, 4.5480509667887196e-305, -9.586012774963336e+90],
      [5.4323774876e-312, 3.42575000493434e-310, 4.852897904996543e-299],
      [-1.7318841639839346e-24, -9.586051501470104e+90, -9.586051653338757e+90],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    let s = try factored(a)
    #expect(s.vectorCheck != .notNeeded)
    #expect(s.balancingRange() <= 0x1p191)
    // Both small eigenvalues (1.7e-24 and -3e-197 exactly) are within ulp |A| of 0.
    #expect(s.eigenvalues.filter { $0.magnitude < 1e-20 }.count == 2)
  }

  @Test("a moderately graded 3 x 3 (entries 0.04 ... 27.5): balancing's amplification 43 gave ratio 40")
  func moderatelyGraded() throws {
    // Found by a sweep of random graded matrices: kappa(D) |B|_F / |A|_F = 43 and the
    // balanced right vectors have DGET22 ratio 40 (unbalanced: 1.06). Not wide range at
    // all: the old trigger (kappa(D) > 2^100) never checked it.
    let a = Matrix([
      [0.0, -0.1953125, 27.5],
      [-0.03662109375, -25.75, 0.0],
      [-0.1083984375, -7.5625, 0.5],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    #expect(try factored(a).vectorCheck == .unbalancedKept)
  }

  @Test("entries from 1e-321 to 1e-170 (16 x 16): balancing range 2^97 gave ratio 5.8e8")
  func wideRangeResidual16b() throws {
    // Tests/Fuzz/regressions/matrix-wide-range-residual-16x16-b.bin.
    let a = Matrix([
      [-1.8007139315947754e-207, -1.84698513645617e-310, -2.889659180768643e-209, 2.425256981641888e-270, 5.559365091434268e-174, 7.941357735953497e-234, -7.148104289269801e-209, -7.524042129635728e-216, -2.1801038128235193e-298, -3.0342266764776652e-297, 1.3676586224098038e-200, -9.766765078297821e-183, -3.3561508009368805e-176, 3.03157122705236e-271, 1.0099721270728305e-228, 7.575740593984826e-256],
      [-2.8437054408214033e-179, -7.568822873574509e-171, 6.133894083e-315, 8.160422991303258e-196, 1.0553178144107943e-226, -3.1329989012544234e-208, -3.660633668737443e-227, -1.719977057e-315, 7.123177639085537e-249, 5.883593420661338e-183, 6.977036465768297e-205, -5.984313009023482e-177, 5.45586522601527e-251, 3.1497647124483637e-301, -1.423e-321, 1.7444814316340793e-265],
      [1.4918381477385504e-254, 5.832897615645118e-303, 7.322738349099761e-243, 3.9501664811569043e-187, 3.9606314681428185e-306, -3.305409623775933e-278, -7.764753305946781e-299, -1.6219389182662182e-191, -1.6680837560476601e-285, -6.764068215030283e-292, -1.4561535740690193e-292, -8.822257643663241e-302, -4.350809009376279e-287, -1.1686692032809482e-259, 1.6828600885323343e-287, -5.2951626655876016e-223],
      [-5.3249244605909037e-250, 1.0844639392962979e-180, -1.9957748376633758e-213, -2.5435622002585656e-270, 1.6246749382783466e-274, 1.2002903497233594e-250, 1.6534388970074025e-291, 2.0095937306201455e-239, 4.750730169043829e-173, -7.19257134133643e-277, -2.8994348377019075e-181, 1.1997574511165048e-238, 1.2211293494110183e-222, -6.707832257991886e-302, -2.6930203379952285e-260, 7.541226918572272e-187],
      [1.7321372759419742e-298, -5.5409554093685e-310, -3.0534054669462976e-170, 5.783807676246922e-178, 2.900835519859558e-214, 1.3872195528534586e-240, -3.06647126654428e-268, 3.954982956595515e-202, 2.7126419989148083e-234, -3.8608742592030764e-296, 2.0215873059760975e-174, -1.9265556e-317, -1.475247055445044e-208, -2.886002438412921e-289, -1.7854735085647937e-287, 2.7620317706702305e-252],
      [1.4120624209587212e-181, 4.430780631569508e-259, 1.4666624388409924e-212, 1.3645721420782132e-264, 4.69726959377103e-292, -1.4571105644609236e-287, -9.842605014208848e-205, -4.895707613340005e-282, -1.4788152327084684e-269, -5.6874108816428065e-179, -1.6585830287086421e-249, 3.5942512425267865e-211, -3.836155237041987e-253, -2.0041683600089728e-290, -1.0789435937840985e-268, 2.592427538000673e-200],
      [-4.399049035833825e-188, -5.8320060735489796e-179, -1.9771352289469662e-208, 1.1786767711029991e-209, -5.527777789778391e-175, -1.557374211108995e-207, -1.119018883049144e-281, 5.63208121726958e-284, 4.3382176016360565e-302, 5.82199358330357e-194, -9.506541143524e-312, -5.975524567859172e-185, 1.3137874313057477e-257, -3.08360093799581e-205, 4.613296248725607e-200, -4.574417976284919e-265],
      [-1.1287731174877511e-211, 8.671459607454884e-204, 1.8115177508253827e-254, -3.278375633933039e-284, 8.554650709621193e-232, -4.5260149731647945e-295, 1.1009616146312856e-264, -2.0599803737298705e-224, -5.403227209783267e-225, 1.8511882546524195e-241, -1.8937242636216283e-281, -1.3586769836954708e-197, 3.5828890030884054e-231, 1.2242703177401162e-244, 8.547866390061274e-202, -1.4635347e-316],
      [2.561e-320, -7.642080355367592e-259, 1.2439059298969764e-202, -6.080555568756231e-175, -4.094349450485368e-220, 1.2166986024289023e-209, 1.5532304790069539e-291, 2.292163610698126e-271, -7.75669458379419e-277, 3.148777490112897e-243, 1.0401860766097963e-219, 1.3486794922301232e-269, -6.697549215e-314, 4.865562966198173e-277, 2.2182228490627026e-272, 1.0265894457993863e-209],
      [-8.08634922390439e-172, 4.3571624219692264e-221, 8.691393997357079e-203, 4.78043211788657e-310, -3.0462591532255004e-242, 9.490488216640332e-256, -2.3098274557954667e-300, -5.9018007936e-314, -7.1299058576433e-311, -3.28971515e-316, 8.158599899605006e-216, -1.7810480543048489e-293, 3.0331067601354614e-301, -3.5627997268355725e-236, -1.0366143929429013e-250, -9.053426259295054e-257],
      [-3.5121861776826124e-272, 3.2850879371313305e-298, -5.386590656123051e-188, 1.5553667880167948e-246, 2.4109902839092433e-192, 4.26239470782443e-253, -1.0004585990354506e-298, 8.097330746745691e-178, -5.949920662850478e-273, 4.736973644087597e-309, 1.0152924319508452e-215, 4.850513963283776e-270, -8.318081572302866e-294, 1.8632502721958419e-292, 1.1327360883763692e-244, 5.0080015945813155e-258],
      [-8.063646135973601e-293, 3.2851621435482263e-221, 1.5685612524793902e-251, 1.2464527624396538e-216, 3.0028180186046204e-217, -2.624803927040303e-301, 1.0235339749133126e-305, -7.453997425999125e-307, 1.0343432739271908e-286, 1.264614730978092e-197, -2.1226666712749023e-173, -6.43885919303312e-258, -3.887817258189822e-285, -7.361673896701503e-188, 5.399100048278254e-209, 2.0468582131173197e-264],
      [2.1050715736718063e-202, 4.4538694700899804e-256, 8.129872718476162e-261, -1.5761421316985765e-286, -3.5012839264799834e-188, -5.307465691867655e-248, -1.020640762992391e-201, -1.593427864764108e-240, -1.6915331084401347e-184, 1.0241195458741216e-176, 1.1696168816073737e-212, -1.5419584536373397e-247, -6.750649415576342e-245, -5.281001995591856e-176, 1.7786994195079633e-291, -2.874451944989914e-299],
      [-8.023174620592637e-174, 8.529525629031401e-241, 3.28545376407399e-274, 3.2533935119586305e-270, 3.3322706105003848e-304, -2.6054188680116646e-290, -5.32609949143583e-282, 1.03e-321, -4.4186876476009405e-190, -3.6596012651181827e-210, -3.88730397353588e-252, 5.336990487776897e-172, 2.20458519600987e-291, 4.080517188828323e-221, -1.8746210173695387e-239, 1.43682e-318],
      [4.40917039201974e-290, -3.8408097850077216e-181, 2.151959390479123e-280, 3.881447627474107e-170, -8.98669076334192e-228, -7.815276813720675e-264, 4.302108780096109e-244, -1.703543106007627e-290, -8.173347635731189e-240, -4.5490898271793705e-274, -3.9922922892198356e-209, 3.1310344194957797e-170, 7.133857022551873e-184, 6.643922089181722e-193, -1.3183874391871171e-222, 3.196043789299677e-187],
      [1.6155456849910409e-285, 5.451504473856498e-268, -1.1726180017194956e-191, 9.723e-321, 1.8698707252495172e-258, -9.113902524445497e-305, 2.5005272037810687e-184, 1.0927918779776797e-283, -6.192676484776764e-262, 1.0660388641302925e-197, 2.2000852360728e-310, -1.6514347286473936e-289, -8.977651093538419e-187, 4.474547533101768e-225, 3.2567735850145808e-292, 5.840153291658731e-208],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    #expect(try factored(a).vectorCheck == .unbalancedKept)
  }

  @Test("finding 8: sparse 6 x 6 from 2e32 down to 5e-317: NaN vectors from an overflowing pivot perturbation")
  func sparseWideRange6() {
    // Tests/Fuzz/regressions/matrix-sparse-wide-range-6x6.bin. The vector solves replace a
    // pivot |t_jj - lambda| < smin by smin, scaling it by smin / |t_jj - lambda|: with
    // smin ~ ulp |T| 1e-3 ~ 1e13 (smin had that floor then) and a denormal pivot that
    // factor overflowed (inf * 0 = NaN). At max|a_ij| in [1, 2) it stays finite; and the perturbation is now formed as
    // smin * (p / |p|), which cannot overflow at any scale (`tinyPivotPerturbation`).
    let a = Matrix([
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [2.028240960365167e+32, 1.9139468285e-314, 1.7765824089018436e-307, 0.0, 4.608127960968414e-305, 0.0],
      [0.0, 0.0, 2.072261515e-315, -1.9857036362425085e-09, 6.890457e-318, 1.7765824089018436e-307],
      [2.436744043760092e-190, -6.223306942191102e-253, 5.3610885e-317, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
  }

  @Test("finding 8: 13 x 13 with entries 1, +-DBL_MAX, 1e+-300 (a)")
  func wideRange13a() {
    // Tests/Fuzz/regressions/matrix-wide-range-13x13-a.bin.
    let a = Matrix([
      [1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002],
      [1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 100000000.0, 1e-08],
      [3.0, -2.0, 1.0, -1.7976931348623157e+308, 0.0, 1.0, -1.0, -2.0, 1.7976931348623157e+308, -1e-150, 0.0, 1.0, 0.5],
      [-1e-300, 0.9999999999999999, -1.7976931348623157e+308, 2.2250738585072014e-308, -1e+300, 1e-300, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002],
      [1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002],
      [1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, -1.0, -1.0, -1.0, 0.9999999999999999, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, -1.0, -1.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1e-150, -1.7976931348623157e+308, -2.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
  }

  @Test("finding 8: 13 x 13 with entries 1, +-DBL_MAX, 1e+-300 (b)")
  func wideRange13b() {
    // Tests/Fuzz/regressions/matrix-wide-range-13x13-b.bin.
    let a = Matrix([
      [-1.0, -1e-300, 2.0, 0.9999999999999999, 1.0000000000000002, 0.0, 0.9999999999999999, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002],
      [1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002],
      [1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002],
      [1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0000000000000002, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 1.7976931348623157e+308, 0.0, 0.0, 1.7976931348623157e+308, -1e+300, -1e+300, 0.0, -1e-300, 0.0, -1.0, 1.0, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
  }

  @Test("finding 4: Hessenberg 16 x 16 up to +-DBL_MAX with |A|_1 = inf")
  func normOverflow16() {
    // Tests/Fuzz/regressions/matrix-wide-range-residual-16x16.bin.
    let a = Matrix([
      [2.0, 0.9999999999999999, 5e-324, 1.0, 1e-300, 6.703903964971299e+153, 0.0, -2.0, -1.7976931348623157e+308, 3.0, 1e-08, -1e-300, 0.0, 1.0000000000000002, -2.2250738585072014e-308, 2.2250738585072014e-308],
      [0.0, 1.7976931348623157e+308, 1.0, -1e-150, 2.2250738585072014e-308, -1.0, 2.2250738585072014e-308, 1.7976931348623157e+308, 100000000.0, -1e+300, 1.0, 1.0, 0.9999999999999999, 100000000.0, 0.0, -1e-150],
      [0.0, 1.7976931348623157e+308, 0.0, 1.0, -5e-324, -1.7976931348623157e+308, -1.7976931348623157e+308, 3.0, 3.0, 5e-324, 0.0, -2.0, 1.0, 1e+300, 1e-08, 1.0],
      [0.0, 0.0, -1e+300, 0.0, 0.9999999999999999, 0.0, 1.0000000000000002, 2.220446049250313e-16, 0.0, 1e-300, 1.4916681462400413e-154, -1.7976931348623157e+308, -1.0, 1.0, 0.0, 1e+150],
      [0.0, 0.0, 0.0, 2.220446049250313e-16, 1e-300, 0.9999999999999999, -5e-324, 0.1, -1e-150, 1e+150, 1.0, 0.0, 1e-08, 1.0, -1e-300, 1e+150],
      [0.0, 0.0, 0.0, 0.0, 0.9999999999999999, -1.0, 1.0, -1e-150, 1e+300, 1e+150, 2.2250738585072014e-308, 0.0, -1.0, 0.0, 100000000.0, -1e+300],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0, -1.0, -1.7976931348623157e+308, 2.0, -2.0, -1e-150, -2.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 3.0, -1e-300, 0.5, -1.0, 1e+150, -5e-324, 1e-300, 1.7976931348623157e+308, -1.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 1.4916681462400413e-154, -1.7976931348623157e+308, 0.0, -1.0, 1e-08, -5e-324, 0.9999999999999999, -5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0, 1e-300, 1e+300, 1e+150, 2.2250738585072014e-308, 1.0000000000000002, 1.0, 3.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.220446049250313e-16, 1.0, 0.0, 0.9999999999999999, 3.0, 100000000.0, 100000000.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.7976931348623157e+308, 100000000.0, -1e+300, 3.0, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, -2.2250738585072014e-308, 2.0, -1.0, 2.220446049250313e-16],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.2250738585072014e-308, 1.0, -5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 6.703903964971299e+153],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1e-08, 1.7976931348623157e+308],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
  }

  @Test("a complex pair whose imaginary part underflows when scaled back stays complex (11 x 11, 1e-293 over denormals)")
  func underflowingImaginaryPart() throws {
    // Tests/Fuzz/regressions/matrix-underflowing-imaginary-11x11.bin. Factored at scale
    // 2^974, a pair -9e-47 +- 3.9e-31 i scales back to |im| < 2^-1074: it read as a real
    // eigenvalue 0, and the eigenvector code then solved its 2 x 2 Schur block as a 1 x 1
    // (right ratio 9e10).
    let a = Matrix([
      [-9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294],
      [-9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294],
      [-9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294],
      [-9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -9.785978320356312e-294, -1e-323, 5e-324, 5e-324, 5e-324, 5e-324],
      [5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324],
      [0.0, 0.0, 0.0, 0.0, 0.0, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    let w = try factored(a).eigenvalues
    #expect(w.filter { $0.im != 0 }.count % 2 == 0)
    #expect(w.contains { $0.im == Double.leastNonzeroMagnitude })
  }

  @Test("QR stalled on the balanced 16 x 16 (entries 1e-316 ... 1e284): the unbalanced matrix converges")
  func balancedNoConvergence() {
    // Tests/Fuzz/regressions/matrix-balanced-no-convergence-16x16.bin: didNotConverge
    // after 301 iterations with balancing, converged and DGET22-clean without.
    let a = Matrix([
      [0.0, 5.525867762627353e-257, -7.750638132622146e-281, 0.0, -2.218432577221231e+277, 4.436871726001165e+45, 0.0, -1.8871750980549033e-197, 1.671363391826844e-18, 0.0, 2.8953004991747275e-36, -2.7978838901615856e-242, 0.0, 2.689708566350028e-150, -2.9374465244111304e-306, 0.0],
      [-7.14692991849512e+176, -9.98520795563059e+91, 0.0, 5.923657050426162e+191, 1.0391832885104215e+247, 0.0, -2.900600522281322e+178, -8.733518802502263e-70, 0.0, -5.791063041560388e-182, 1.6048894253898476e-201, 0.0, -2.8187444863319386e-68, 4.856087920329886e+272, 0.0, 3.0649691177195356e+205],
      [1.42129895e-316, 0.0, -2.601054046348055e+165, -1.8637014040535502e-78, 0.0, -1.731966438247356e+94, -6.926695682708599e-82, 0.0, 5.558497373995648e+276, 1.782680890305306e+262, 0.0, -56.385537739953534, -2.659226532489929e-87, 0.0, 1.783705315858091e+160, -2.843662554137499e+22],
      [0.0, 8.92649419848507e-106, -1.9814433791943933, 0.0, 1.496138855143646e+122, -5.4521380486711134e+234, 0.0, -9.105346422167174e-96, 1.9413982007792754e-49, 0.0, -1.0845856549225292e+124, -1.3747294352261255e+159, 0.0, 8.491895436780593e-269, -5.56124639320054e+106, 0.0],
      [8.06813887274354e+205, 3.3390273259051444e+56, 0.0, 1.212487472387363e+57, 5.228514198248424e+54, 0.0, 5.2285141982483265e+54, 5.2285141982483265e+54, 0.0, 5.2285141982483265e+54, 5.2285141982483265e+54, 0.0, 5.2285141982483265e+54, 5.2285141982483265e+54, 0.0, 5.2285141982483265e+54],
      [5.2285141982483265e+54, 0.0, -1.9778222688962426e+183, 5.465473536320514e-182, 0.0, 8.844665247123917e-26, -3.6669706774091785e+169, 0.0, 7.984456952147606e+283, 4.8920402680489505e+124, 0.0, -6.293381793033677e-277, -3.883183220743754e-104, 0.0, -5.295668921477138e-252, -4.920451909300105e-95],
      [0.0, -5.720287580617744e-70, -8.909918848820397e+135, 0.0, -1.7639735009028213e-228, -2.3856939121162796e-59, 0.0, -4.027767911844358e+107, 5.148321910210069e+46, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    var values = EigenSolver()
    #expect(throws: Never.self) { try values.factor(a, vectors: false) }
  }

  @Test("balancing that shrinks the norm to 1e-200 is still checked (5 x 5 from 5e-324 to 1e300)")
  func balancedNormUnderflow() throws {
    // Tests/Fuzz/regressions/matrix-balanced-norm-underflow-5x5.bin: kappa(D) = 2^791 and
    // |B|_F ~ 1e-200 at |A| ~ 1; plain sums of squares of B underflowed, the amplification
    // read 0 and the balanced vectors (right ratio 1/ulp) were returned unchecked.
    let a = Matrix([
      [0.0, 2.220446049250313e-16, -1.0, 0.0, 2.2250738585072014e-308],
      [1.0, 0.0, 0.0, 3.0, 0.0],
      [0.0, 0.5, 0.0, -1e-150, 0.0],
      [0.0, -1e-300, 1e+300, 0.0, 1e+300],
      [1.0, 0.0, 1.4916681462400413e-154, -5e-324, 0.0],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    #expect(try factored(a).vectorCheck == .unbalancedKept)
  }

  @Test("a 2 x 2 Schur block at 1e-280 in a balanced B of norm 1e-140 (5 x 5 from 5e-315 to 8.6e9)")
  func balancedTinyBlock() throws {
    // Tests/Fuzz/regressions/matrix-balanced-tiny-block-5x5.bin: kappa(D) = 2^463 but amp =
    // 1.5, yet the balanced right vectors of the tiny complex pair had ratio 2.5e10: their
    // block's null vector is formed from entries ~1e-267 and its products with the
    // 1e-140 entries above underflow in the back-substitution. Past kappa(D) = 2^100 the
    // residual check runs whatever amp says. Since the null vector starts scaled to unit
    // max-norm (as DTREVC's), the balanced vectors pass and are kept.
    let a = Matrix([
      [1.1273251393e-314, 4.1636484272496956e-17, 4.509326056284254e-193, -8589934592.0, -3.894468603487411e-270],
      [-3.894472165532419e-270, -3.894470360338043e-270, 1.0462295204e-314, 5.299808824e-315, 5.299808824e-315],
      [-3.894468580270756e-270, -3.894472165532419e-270, 2.107227416e-314, 0.0, 0.0],
      [-3.894468580270756e-270, 9.799275064965702e-301, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    #expect(try factored(a).vectorCheck == .balancedKept)
    // The balanced factorisation's own vectors, checked directly (no fallback involved).
    var b = EigenSolver()
    try b.factor(a, vectors: true, balance: true)
    let w = b.eigenvalues
    #expect(w.contains { $0.im != 0 && $0.magnitude < 1e-250 }, "the tiny complex pair: \(w)")
    var rights: [[Complex]] = [], lefts: [[Complex]] = []
    for i in 0..<a.n {
      rights.append(try b.rightEigenvector(i))
      lefts.append(try b.leftEigenvector(i))
    }
    #expect(rightResidualRatio(a: a, eigenvalues: w, vectors: rights) <= LAPACKTest.threshold)
    #expect(leftResidualRatio(a: a, eigenvalues: w, vectors: lefts) <= LAPACKTest.threshold)
  }

  @Test("refused, clearly and truthfully: balanced vectors fail and unbalanced QR does not converge (5 x 5)")
  func refusedVectors() {
    // Tests/Fuzz/regressions/matrix-refused-vectors-5x5.bin (found by strict fuzz runs,
    // FUZZ_STRICT_CONVERGENCE=1): entries from 5e-324 to 1e-201. The balanced vectors
    // fail DGET22 (ratio 1.5e15) and without balancing QR stops at its iteration bound,
    // so no factorisation can vouch for the vectors: `inaccurateEigenvectors`, never
    // garbage. The eigenvalues alone are still available (`vectors: false`). LAPACK's
    // DGEEV fails it as well (ratios 1.06e15 right, 2.0e15 left; Fuzz/README.md).
    let a = Matrix([
      [0.0, -6.888029847844279e-252, 3.935971862641121e-244, 0.0, 5.434553252476148e-254],
      [2.6394663924563105e-238, 0.0, -8.57467328535794e-276, 5e-324, 0.0],
      [5e-324, 5.422154053397077e-202, 0.0, 5.422154053397077e-202, 5.422154053397077e-202],
      [0.0, 5.422154053397077e-202, 5.422154053397077e-202, 0.0, 5.422154053397077e-202],
      [5.422154053397077e-202, 0.0, -1.4161390586519424e-201, 3.657607257016375e-291, 0.0],
    ])
    var s = EigenSolver()
    do {
      try s.factor(a, vectors: true)
      Issue.record("expected inaccurateEigenvectors")
    } catch {
      if case .inaccurateEigenvectors(let r) = error {
        #expect(r > LAPACKTest.threshold)
        #expect(error.description.contains("residual test"))
      } else {
        Issue.record("unexpected \(error)")
      }
    }
    var plain = EigenSolver()
    #expect(throws: EigenError.self) { try plain.factor(a, vectors: true, balance: false) }
    var values = EigenSolver()
    #expect(throws: Never.self) { try values.factor(a, vectors: false) }
  }

  @Test("nine isolated zero eigenvalues under a graded T (16 x 16, 5e-324 ... 1e284): vectors pass as DGEEV's")
  func isolatedZeroEigenvaluesPassResidualTest() throws {
    // Tests/Fuzz/regressions/matrix-refused-vectors-16x16.bin, refused before: nine zero
    // rows (isolated zero eigenvalues) and a 7 x 7 block whose Schur form is graded from
    // 1e-318 to 2e7, all of its eigenvalues below 1e-42 (scaled). A pivot floor
    // 1e-3 ulp max|t_ij| ~ 5e-12 replaced every pivot of that block (1e-294 ... 3e-119)
    // when solving for lambda = 0 (and the zero pivots -lambda of the isolated columns
    // for lambda ~ 1e-217, 3e-119): each such row kept a residual of its whole right-hand
    // side, which the balancing (D spanning 2^590) amplified to ratios 2.7e4 (right) and
    // 2.0e4 (left). Unbalanced QR does not converge, so it was refused. DTREVC3's pivot
    // rule, smin = max(ulp |lambda|, smlnum), keeps those pivots; the growth it allows is
    // kept finite by scaling x by powers of two (DLALN2's scale): ratios ~3e-43, as
    // DGEEV's (~1e-42).
    let a = Matrix([
      [0.0, 5.525867762627353e-257, -7.750638132622146e-281, 0.0, -2.218432577221231e+277, 4.436871726001165e+45, 0.0, -1.8871750980549033e-197, 1.671363391826844e-18, 0.0, 2.8953004991747275e-36, -2.7978838901615856e-242, 0.0, 2.689708566350028e-150, -2.9374465244111304e-306, 0.0],
      [-7.14692991849512e+176, -9.98520795563059e+91, 0.0, 5.923657050426162e+191, 1.0391832885104215e+247, 0.0, -2.900600522281322e+178, -8.733518802502263e-70, 0.0, -5.791063041560388e-182, 1.6048894253898476e-201, 0.0, -2.8187444863319386e-68, 4.856087920329886e+272, 0.0, 3.0649691177195356e+205],
      [1.42129895e-316, 0.0, -2.601054046348055e+165, -1.8637014040535502e-78, 0.0, -1.731966438247356e+94, -6.926695682708599e-82, 0.0, 5.558497373995648e+276, 1.782680890305306e+262, 0.0, -56.385537739953534, -2.659226532489929e-87, 0.0, 1.783705315858091e+160, -2.843662554137499e+22],
      [0.0, 8.92649419848507e-106, -1.9814433791943933, 0.0, 1.496138855143646e+122, -5.4521380486711134e+234, 0.0, -9.105346422167174e-96, 1.9413982007792754e-49, 0.0, -1.0845856549225292e+124, -1.3747294352261255e+159, 0.0, 8.491895436780593e-269, -5.56124639320054e+106, 0.0],
      [8.06813887274354e+205, 3.3390273259051444e+56, 0.0, 1.212487472387363e+57, 5.228514198248424e+54, 0.0, 5.2285141982483265e+54, 5.2285141982483265e+54, 0.0, 5.2285141982483265e+54, 5.2285141982483265e+54, 0.0, 5.2285141982483265e+54, 5.2285141982483265e+54, 0.0, 5.2285141982483265e+54],
      [5.2285141982483265e+54, 0.0, -1.9778222688962426e+183, 5.465473536320514e-182, 0.0, 8.844665247123917e-26, -3.6669706774091785e+169, 0.0, 7.984456952147606e+283, 4.8920402680489505e+124, 0.0, -6.293381793033677e-277, -3.883183220743754e-104, 0.0, -5.779171769259027e+16, 7.586173560469881e+126],
      [0.0, -1.3523051697824226e-233, 1.6509449042924233e-113, 0.0, -1.529323815689867e-128, -3812262737725000.0, 0.0, 9.772918999841039e+28, -1.0080398467249651e-144, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ])
    #expect(wideRangeViolation(a) == nil, "\(wideRangeViolation(a) ?? "")")
    // The balanced factorisation's own vectors, each checked on its own.
    let s = try factored(a)
    #expect(s.vectorCheck == .balancedKept)
    #expect(s.eigenvalues.filter { $0 == .zero }.count >= 9)
    let m = a.maxAbs
    let scale = Double(sign: .plus, exponent: -Int(m.exponent), significand: 1)
    for i in 0..<a.n {
      let w = [scale * s.eigenvalue(i)]
      let r = rightResidualRatio(a: scale * a, eigenvalues: w, vectors: [try s.rightEigenvector(i)])
      let l = leftResidualRatio(a: scale * a, eigenvalues: w, vectors: [try s.leftEigenvector(i)])
      #expect(r <= LAPACKTest.threshold && l <= LAPACKTest.threshold, "eigenvalue \(i) \(s.eigenvalue(i)): right \(r), left \(l)")
    }
    // Without balancing QR still stops at its bound: the balanced vectors stand alone.
    var plain = EigenSolver()
    #expect(throws: EigenError.self) { try plain.factor(a, vectors: true, balance: false) }
  }

  @Test("ordinary matrices never pay for the check: gaussian N = 2 ... 32 keep amplification <= 4")
  func noCheckOnOrdinaryMatrices() throws {
    var rng = SeededRNG(seed: 6)
    for n in [2, 3, 5, 8, 16, 32] {
      for _ in 0..<5 {
        let s = try factored(gaussianMatrix(n, &rng))
        #expect(s.vectorCheck == .notNeeded, "n = \(n)")
      }
    }
  }

  @Test("a pivot far below smin is perturbed without overflow (smin 2e72, pivot 4.85e-299)")
  func tinyPivotPerturbation() {
    // The naive `(smin / |p|) * p` overflows to inf here (2e72 / 4.85e-299 > DBL_MAX) and
    // `inf * 0` made the vector NaN; `smin * (p / |p|)` is exact: +-smin.
    let smin = 2e72
    for p in [4.85e-299, -4.85e-299, 5e-324, -0.0, 0.0] {
      let want = p < 0 ? -smin : smin
      #expect(perturbedPivotReal(p, smin: smin) == want, "\(p)")
      let c = perturbedPivot(Complex(p, 0), smin: smin)
      #expect(c.re == want && c.im == 0, "\(p)")
    }
    // A complex pivot keeps its direction: smin (p / |p|), |.| = smin to rounding.
    let q = perturbedPivot(Complex(3e-300, -4e-300), smin: smin)
    #expect(abs(q.re - 0.6 * smin) <= 2 * Machine.ulp * smin && abs(q.im + 0.8 * smin) <= 2 * Machine.ulp * smin)
    // A pivot at least smin is left alone.
    #expect(perturbedPivotReal(-3e72, smin: smin) == -3e72)
    // solve2x2 whose second pivot u22 = 4.85e-299 after elimination: [[1e73, 0], [0, u22]].
    let (x0, x1, k0) = solve2x2Real(1e73, 0, 0, 4.85e-299, 1e73, 1, smin: smin)
    #expect(x0 == 1 && x1 == 1 / smin && k0 == 0)
    let (y0, y1, k1) = solve2x2(Complex(1e73), .zero, .zero, Complex(0, 4.85e-299), Complex(1e73), Complex(1), smin: smin)
    #expect(k1 == 0 && y0 == Complex(1) && y1.isFinite && abs(y1.magnitude * smin - 1) <= 4 * Machine.ulp)
  }

  @Test("a quotient past 2^200 scales the right-hand side down by a power of two instead of overflowing")
  func overflowingQuotientScales() {
    // 1e300 / 1e-300 overflows; shifted down by 2^-k it stays below 2^200, exactly scaled.
    #expect(quotientShift(3, 1e-10, slack: 0) == 0)
    #expect(quotientShift(0, .leastNonzeroMagnitude, slack: 0) == 0)
    let k = quotientShift(1e300, 1e-300, slack: 0)
    let (f1, f2) = exactPowerOfTwo(-k)
    let q = f2 * (f1 * 1e300) / 1e-300
    #expect(k > 0 && q.isFinite && q < 0x1p200 && q >= 0x1p198)
    // The 2 x 2 solves: [[1, 0], [0, 1e-300]] y = [0, 1e300] needs y1 = 1e600.
    let (y0, y1, k2) = solve2x2Real(1, 0, 0, 1e-300, 0, 1e300, smin: 0x1p-1030)
    let (g1, g2) = exactPowerOfTwo(-k2)
    #expect(k2 > 0 && y0 == 0 && y1.isFinite && y1 < 0x1p200 && y1 == g2 * (g1 * 1e300) / 1e-300)
    let (c0, c1, k3) = solve2x2(
      Complex(1), .zero, .zero, Complex(0, 1e-300), .zero, Complex(1e300), smin: 0x1p-1030)
    #expect(k3 > 0 && c0 == .zero && c1.isFinite && max(abs(c1.re), abs(c1.im)) < 0x1p200)
    // Nothing to scale in an ordinary system: the plain solution, k = 0.
    let (p0, p1, k4) = solve2x2Real(2, 1, 1, 3, 3, 4, smin: 1e-300)
    #expect(k4 == 0 && abs(p0 - 1) <= 4 * Machine.ulp && abs(p1 - 1) <= 4 * Machine.ulp)
  }

  @Test("the refusal error names the ratio and the cause")
  func inaccurateEigenvectorsMessage() {
    let e = EigenError.inaccurateEigenvectors(residualRatio: 1e9)
    #expect(e.description.contains("residual test") && e.description.contains("1000000000.0"))
    #expect(e.description.contains("with and without balancing"))
  }
}
