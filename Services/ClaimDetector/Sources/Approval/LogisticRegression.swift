import Foundation

/// Logistic regression fitted by Newton's method with a Gaussian prior on the weights: the fit
/// maximises log-likelihood − λ/2 · ‖w − w₀‖². With no examples the weights are the prior's
/// (`w₀`), and each example moves them away from it, so the model says something sensible from
/// its first day and only as much as the outcomes support afterwards.
public enum LogisticRegression {
    /// One example: its feature values (in the model's feature order) and whether it was approved.
    public struct Example: Sendable, Equatable {
        public var features: [Double]
        public var approved: Bool

        public init(features: [Double], approved: Bool) {
            self.features = features
            self.approved = approved
        }
    }

    public static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    public static func logit(_ p: Double) -> Double { log(p / (1 - p)) }

    public static func probability(weights: [Double], features: [Double]) -> Double {
        sigmoid(zip(weights, features).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// The maximum a posteriori weights.
    /// - Parameters:
    ///   - prior: `w₀`, one weight per feature.
    ///   - precision: `λ`, how many examples' worth of weight the prior carries per feature.
    public static func fit(_ examples: [Example], prior: [Double], precision: Double, maxIterations: Int = 50) -> [Double] {
        let d = prior.count
        var w = prior
        for _ in 0..<maxIterations {
            // Gradient and Hessian of the negative log posterior.
            var gradient = (0..<d).map { precision * (w[$0] - prior[$0]) }
            var hessian = [Double](repeating: 0, count: d * d)
            for i in 0..<d { hessian[i * d + i] = precision }
            for example in examples {
                let x = example.features
                let p = probability(weights: w, features: x)
                let residual = p - (example.approved ? 1 : 0)
                let curvature = max(p * (1 - p), 1e-12)
                for i in 0..<d where x[i] != 0 {
                    gradient[i] += residual * x[i]
                    let xi = curvature * x[i]
                    for j in i..<d where x[j] != 0 { hessian[i * d + j] += xi * x[j] }
                }
            }
            for i in 0..<d { for j in 0..<i { hessian[i * d + j] = hessian[j * d + i] } }
            guard let step = solveSymmetricPositiveDefinite(hessian, gradient, size: d) else { break }
            for i in 0..<d { w[i] -= step[i] }
            if step.reduce(0, { max($0, abs($1)) }) < 1e-9 { break }
        }
        return w
    }

    /// Solves `A x = b` for a symmetric positive definite `A` (row-major, `size × size`) by
    /// Cholesky decomposition; nil when `A` is not positive definite.
    static func solveSymmetricPositiveDefinite(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}

/// How well predicted probabilities matched what happened: the Brier score (mean squared error of
/// the probability against the 0/1 outcome; 0 is perfect, 0.25 is a coin) and the reliability
/// table (predictions in tenths, each with how often those cases were approved).
public struct Calibration: Codable, Sendable, Equatable {
    public struct Bin: Codable, Sendable, Equatable {
        /// The bin's predictions run from `from` (included) to `to` (excluded; 1 included in the last).
        public var from: Double
        public var to: Double
        public var cases: Int
        public var meanPredicted: Double?
        public var observedRate: Double?
    }

    /// How many decided cases the figures are over.
    public var cases: Int
    public var brierScore: Double
    /// The Brier score of always predicting the approval rate of the examples the model learned
    /// from: what the model has to beat to be worth its features.
    public var baseRateBrierScore: Double
    /// The Brier score of the prior alone, before any outcome.
    public var priorBrierScore: Double
    public var reliability: [Bin]

    public static func brier(_ pairs: [(predicted: Double, approved: Bool)]) -> Double {
        guard !pairs.isEmpty else { return 0 }
        return pairs.reduce(0) { $0 + pow($1.predicted - ($1.approved ? 1 : 0), 2) } / Double(pairs.count)
    }

    public static func reliability(_ pairs: [(predicted: Double, approved: Bool)], bins: Int = 10) -> [Bin] {
        (0..<bins).map { index in
            let from = Double(index) / Double(bins), to = Double(index + 1) / Double(bins)
            let inside = pairs.filter { $0.predicted >= from && ($0.predicted < to || index == bins - 1 && $0.predicted <= to) }
            guard !inside.isEmpty else { return Bin(from: from, to: to, cases: 0) }
            let count = Double(inside.count)
            return Bin(from: from, to: to, cases: inside.count, meanPredicted: inside.reduce(0) { $0 + $1.predicted } / count,
                       observedRate: Double(inside.filter(\.approved).count) / count)
        }
    }
}
